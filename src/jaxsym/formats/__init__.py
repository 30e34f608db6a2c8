"""Bytes <-> graph nodes and numpy arrays: MXNet symbol JSON, .params files, RecordIO. No jit, no training."""
