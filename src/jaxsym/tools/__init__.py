"""Command-line tools as in MXNet's tools/ folder (im2rec): thin wrappers over formats/.

Must not import jax, symbol/, executor/ or train/.
"""
