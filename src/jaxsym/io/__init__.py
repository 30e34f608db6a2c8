"""Data iterators as in `mx.io`: DataDesc, DataBatch, NDArrayIter, CSVIter, ImageRecordIter, ...

No Symbol here.
"""

from .image_record import ImageRecordIter, ImageRecordUInt8Iter  # noqa: F401
from .io import CSVIter, DataBatch, DataDesc, DataIter, NDArrayIter, PrefetchingIter, ResizeIter  # noqa: F401
