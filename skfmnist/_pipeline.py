"""The pipeline of the seed study: scale pixels, then the MLP."""

from sklearn.pipeline import Pipeline

from ._mlp import FashionMLP
from ._scaler import PixelScaler

__all__ = ["make_fashion_pipeline"]


def make_fashion_pipeline(**mlp_params):
    """Build ``Pipeline([("scale", PixelScaler()), ("mlp", FashionMLP(**mlp_params))])``.

    Parameters
    ----------
    **mlp_params : dict
        Parameters of :class:`FashionMLP`, e.g. ``epochs=20, random_state=0``.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        An unfitted pipeline that takes raw pixels in [0, 255].

    Examples
    --------
    >>> from skfmnist import make_fashion_pipeline
    >>> pipe = make_fashion_pipeline(epochs=5, random_state=0)
    >>> [name for name, _ in pipe.steps]
    ['scale', 'mlp']
    >>> pipe.get_params()["mlp__epochs"]
    5
    """
    return Pipeline([("scale", PixelScaler()), ("mlp", FashionMLP(**mlp_params))])
