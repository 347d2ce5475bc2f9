"""skfmnist: a scikit-learn compatible Fashion-MNIST MLP with neuron-health analysis.

Public names are loaded on first use, so that ``fetch_fashion_mnist`` and ``PixelScaler``
do not pay for importing TensorFlow.
"""

import importlib
from importlib.metadata import version

__version__ = version("skfmnist")

# public name -> private module that defines it
_LAZY = {
    "CLASS_NAMES": "._data",
    "DataFileError": "._data",
    "fetch_fashion_mnist": "._data",
    "PixelScaler": "._scaler",
    "FashionMLP": "._mlp",
    "make_fashion_pipeline": "._pipeline",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return __all__
