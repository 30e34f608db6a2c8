"""Classic MXNet image-classification networks as symbol builders.

Each module has `get_symbol(num_classes, ..., sym=None)` building the network with the
layer names of MXNet's `example/image-classification/symbols`, so checkpoints trained
with those scripts load by name. The builders only call the `sym` namespace they are
given (`jaxsym.sym` by default): passing `mxnet.sym` builds the same network in MXNet.
This package imports nothing from jaxsym at import time, so it also loads beside MXNet.
"""

from . import inception_bn as inception_bn
from . import lenet as lenet
from . import mlp as mlp
from . import mobilenet as mobilenet
from . import resnet as resnet
from . import vgg as vgg
