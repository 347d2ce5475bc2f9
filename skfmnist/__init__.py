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
    "neuron_health": "._health",
    "neuron_health_scorer": "._health",
    "wilson_interval": "._stats",
    "per_class_accuracy": "._stats",
    "most_confused_pairs": "._stats",
    "stratified_subset": "._cmdline",
    "plot_sample_images": "._plots",
    "plot_training_history": "._plots",
    "plot_activation_distribution": "._plots",
    "plot_per_class_accuracy": "._plots",
    "plot_confusion_matrix": "._plots",
    "save_model": "._persist",
    "load_model": "._persist",
    "set_tensorflow_threads": "._threads",
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
