"""Training: optimizers, learning-rate schedules, initializers, metrics, models.

Uses the executor/ and formats/ APIs only and never reads a graph beyond argument
names and attributes.
"""
