"""Contender ``skfmnist``: the package's pipeline with the seed recipe."""

from .._pipeline import make_fashion_pipeline
from ._data import scaled
from ._keras import EpochClockCallback, tensorflow_threads

NOTES = (
    "make_fashion_pipeline(epochs=..., random_state=seed): PixelScaler + FashionMLP with "
    "its defaults (stratified 10% validation, both callbacks, steps_per_execution=32, "
    "inference batch 2048); TensorFlow's thread pools from --threads (default 1,1), set by "
    "set_tensorflow_threads before TensorFlow starts ('default' leaves TensorFlow's)."
)


def fit(data, *, epochs, seed, clock):
    """Train and return ``(predict, info)``; ``predict()`` labels the test images."""
    X_test_scaled = scaled(data.X_test)  # for the per-epoch evaluation only
    clock.begin_fit()
    pipe = make_fashion_pipeline(epochs=epochs, random_state=seed)
    pipe.fit(
        data.X_train,
        data.y_train,
        mlp__callbacks=[EpochClockCallback(clock, X_test_scaled, data.y_test)],
    )

    def predict():
        return pipe.predict(data.X_test)

    return predict, {"threads": tensorflow_threads(), "notes": NOTES}
