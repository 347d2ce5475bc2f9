"""Dying-neuron analysis of the hidden layer."""

from numbers import Integral, Real

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_is_fitted

__all__ = ["neuron_health", "neuron_health_scorer"]

PERCENTILES = (1, 5, 25, 50, 75, 95, 99)
_N_BINS = 100


@validate_params(
    {
        "estimator": "no_validation",  # checked in _mlp_and_input, with a clearer message
        "X": ["array-like"],
        "threshold": [Interval(Real, None, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def neuron_health(estimator, X, *, threshold=1e-4, batch_size=2048):
    """Find the hidden neurons that never activate on ``X``.

    A neuron is *dead* (dying) when its maximum activation over all samples of ``X`` is
    below ``threshold``: it passes (almost) no positive signal on any input. The hidden
    activations are read after the LeakyReLU, at inference (no dropout), in batches.

    Parameters
    ----------
    estimator : FashionMLP or Pipeline
        A fitted ``FashionMLP``, or a fitted pipeline ending in one; the pipeline's
        preceding steps are applied to ``X`` first.

    X : array-like of shape (n_samples, n_features)
        Input of ``estimator`` (raw pixels for a pipeline, scaled ones for a bare
        ``FashionMLP``).

    threshold : float, default=1e-4
        A neuron is dead if and only if its maximum activation is below this value.

    batch_size : int, default=2048
        Samples per forward pass; changes memory use, not the results.

    Returns
    -------
    report : :class:`~sklearn.utils.Bunch`
        With the following attributes.

        max_activation : ndarray of shape (n_hidden,), dtype float32
            Each neuron's maximum activation over ``X``.
        dead : ndarray of shape (n_hidden,), dtype bool
            ``max_activation < threshold``.
        n_dead : int
            Number of dead neurons.
        dead_fraction : float
            ``n_dead / n_hidden``.
        threshold : float
            The threshold used.
        n_samples, n_hidden : int
            Number of samples and of hidden neurons.
        mean, std, min, max : float
            Statistics of all ``n_samples * n_hidden`` activations.
        negative_fraction : float
            Fraction of activations below 0 (the LeakyReLU's negative side).
        percentiles : dict of int to float
            Percentiles 1, 5, 25, 50, 75, 95 and 99 of all activations.
        histogram : tuple of (ndarray, ndarray)
            ``(counts, bin_edges)`` of all activations, 100 equal bins between their
            minimum and maximum, as returned by ``numpy.histogram``.

    See Also
    --------
    neuron_health_scorer : ``1 - dead_fraction`` as a scikit-learn scorer.

    Examples
    --------
    >>> import numpy as np
    >>> from skfmnist import make_fashion_pipeline, neuron_health
    >>> X = np.random.default_rng(0).integers(0, 256, (40, 784), dtype=np.uint8)
    >>> pipe = make_fashion_pipeline(hidden_units=8, epochs=1, random_state=0)
    >>> report = neuron_health(pipe.fit(X, np.arange(40) % 2), X)
    >>> report.max_activation.shape, report.n_dead
    ((8,), 0)
    """
    mlp, X = _mlp_and_input(estimator, X)
    activations = _hidden_activations(mlp, X, batch_size)
    max_activation = activations.max(axis=0)
    dead = max_activation < threshold
    values = activations.ravel()
    low, high = float(values.min()), float(values.max())
    counts, edges = np.histogram(values, bins=_N_BINS, range=(low, high))
    percentiles = np.percentile(values, PERCENTILES)
    return Bunch(
        max_activation=max_activation,
        dead=dead,
        n_dead=int(dead.sum()),
        dead_fraction=float(dead.mean()),
        threshold=float(threshold),
        n_samples=activations.shape[0],
        n_hidden=activations.shape[1],
        # float64 accumulation: a float32 sum of 15 million values loses digits.
        mean=float(values.mean(dtype=np.float64)),
        std=float(values.std(dtype=np.float64)),
        min=low,
        max=high,
        negative_fraction=float(np.count_nonzero(values < 0) / values.size),
        percentiles={q: float(v) for q, v in zip(PERCENTILES, percentiles, strict=True)},
        histogram=(counts, edges),
    )


def neuron_health_scorer(estimator, X, y=None):
    """Fraction of hidden neurons alive on ``X``: ``1 - neuron_health(estimator, X).dead_fraction``.

    A scikit-learn scorer (higher is better) for ``cross_validate``, ``GridSearchCV`` and
    the like, next to or instead of accuracy.

    Parameters
    ----------
    estimator : FashionMLP or Pipeline
        A fitted ``FashionMLP`` or pipeline ending in one.

    X : array-like of shape (n_samples, n_features)
        Input of ``estimator``.

    y : Ignored
        Not used, present for the scorer signature.

    Returns
    -------
    score : float
        1.0 when no neuron is dead, 0.0 when all are.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import cross_validate
    >>> from skfmnist import make_fashion_pipeline, neuron_health_scorer
    >>> X = np.random.default_rng(0).integers(0, 256, (40, 784), dtype=np.uint8)
    >>> y = np.arange(40) % 2
    >>> pipe = make_fashion_pipeline(hidden_units=8, epochs=1, random_state=0)
    >>> scores = cross_validate(
    ...     pipe, X, y, cv=2, scoring={"accuracy": "accuracy", "health": neuron_health_scorer}
    ... )
    >>> scores["test_health"].tolist()
    [1.0, 1.0]
    """
    return 1.0 - neuron_health(estimator, X).dead_fraction


def _mlp_and_input(estimator, X):
    """The FashionMLP at the end of ``estimator`` and ``X`` as it reaches the network."""
    from ._mlp import HIDDEN_ACTIVATION, FashionMLP

    if isinstance(estimator, Pipeline):
        check_is_fitted(estimator)
        X = estimator[:-1].transform(X)
        mlp = estimator[-1]
    else:
        mlp = estimator
    if not isinstance(mlp, FashionMLP):
        raise TypeError(
            "neuron_health needs a FashionMLP or a pipeline ending in one; got "
            f"{type(mlp).__name__}."
        )
    check_is_fitted(mlp, "model_")
    try:
        mlp.model_.get_layer(HIDDEN_ACTIVATION)
    except ValueError as exc:
        raise ValueError(
            f"The Keras model has no layer named {HIDDEN_ACTIVATION!r}: {exc}"
        ) from exc
    # The same checks and encoding as FashionMLP.predict.
    X, _ = mlp._validate_data(X=X, y=None)
    return mlp, mlp.feature_encoder_.transform(X)


def _hidden_activations(mlp, X, batch_size):
    """The hidden-layer output for every sample, shape (n_samples, n_hidden), float32."""
    import keras

    from ._mlp import HIDDEN_ACTIVATION

    model = mlp.model_
    probe = keras.Model(model.inputs[0], model.get_layer(HIDDEN_ACTIVATION).output)
    # Direct calls, not probe.predict: predict traces a new tf.function for every new
    # model, which TensorFlow warns about when a scorer runs once per CV fold.
    batches = [
        keras.ops.convert_to_numpy(probe(X[start : start + batch_size], training=False))
        for start in range(0, len(X), batch_size)
    ]
    return np.concatenate(batches).astype(np.float32, copy=False)
