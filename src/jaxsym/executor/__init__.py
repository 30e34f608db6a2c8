"""Shape/type inference, lowering to one pure JAX function, and executors.

Knows graph/ and ops/; must not know Symbol, optimizers, metrics, modules or formats.
"""
