"""Contender ``sklearn``: scikit-learn's ``MLPClassifier``."""

import numpy as np
from sklearn.neural_network import MLPClassifier

from ._data import scaled, train_validation

NOTES = (
    "MLPClassifier(hidden_layer_sizes=(256,), activation='relu', batch_size=64, "
    "learning_rate_init=1e-3): ReLU (no LeakyReLU in scikit-learn), no dropout (default "
    "L2 alpha=1e-4), no learning-rate schedule or best-weight restoring; an epoch is one "
    "partial_fit pass over the training part plus the accuracy on the held-out tenth."
)


def blas_threads():
    """Threads of the BLAS libraries NumPy and scikit-learn loaded, by library."""
    from threadpoolctl import threadpool_info

    return {pool["internal_api"]: pool["num_threads"] for pool in threadpool_info()}


def fit(data, *, epochs, seed, clock):
    """Train and return ``(predict, info)``; ``predict()`` labels the test images."""
    X_train, y_train, X_val, y_val = train_validation(data)
    X_test = scaled(data.X_test)
    classes = np.unique(data.y_train)
    clock.begin_fit()
    clf = MLPClassifier(
        hidden_layer_sizes=(256,),
        activation="relu",
        batch_size=64,
        learning_rate_init=1e-3,
        random_state=seed,
    )
    for _ in range(epochs):
        clock.start_epoch()
        clf.partial_fit(X_train, y_train, classes=classes)
        clf.score(X_val, y_val)  # the recipe's per-epoch validation
        clock.end_epoch(lambda: clf.score(X_test, data.y_test))

    def predict():
        return clf.predict(X_test)

    return predict, {"threads": blas_threads(), "notes": NOTES}
