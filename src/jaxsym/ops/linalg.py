"""Matrix products: dot, batch_dot."""
