"""The graph as data: nodes, naming and attribute scopes.

Pure Python. Must not import jax, and imports nothing above it in jaxsym.
"""
