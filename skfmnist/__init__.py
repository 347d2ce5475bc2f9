"""skfmnist: a scikit-learn compatible Fashion-MNIST MLP with neuron-health analysis."""

from importlib.metadata import version

from ._mlp import FashionMLP
from ._pipeline import make_fashion_pipeline
from ._scaler import PixelScaler

__version__ = version("skfmnist")

__all__ = [
    "FashionMLP",
    "PixelScaler",
    "make_fashion_pipeline",
    "__version__",
]
