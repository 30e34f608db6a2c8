"""Data iterators as in `mx.io`: DataDesc, DataBatch, NDArrayIter, CSVIter, ...

No Symbol here.
"""

from .io import CSVIter, DataBatch, DataDesc, DataIter, NDArrayIter, PrefetchingIter, ResizeIter  # noqa: F401
