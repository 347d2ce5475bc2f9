"""Contender ``keras``: the seed recipe in plain Keras, as a user writes it."""

import os

import keras
import numpy as np

from .._threads import _ENVIRONMENT
from ._data import VALIDATION_FRACTION, scaled

NOTES = (
    "Sequential + compile + fit(validation_split=0.1, batch_size=64) with EarlyStopping and "
    "ReduceLROnPlateau on val_accuracy; Keras and TensorFlow defaults (steps_per_execution=1, "
    "validation batch size 64 (the batch size), predict batch size 32, default thread "
    "pools); verbose=0."
)


class EpochClockCallback(keras.callbacks.Callback):
    """Drive an ``EpochClock`` from Keras' epoch hooks.

    Put it last in the callback list: the epochs it times then include the other
    callbacks' work (early stopping's weight copies, the learning-rate schedule).
    """

    def __init__(self, clock, X_test, y_test):
        super().__init__()
        self.clock = clock
        self.X_test = X_test
        self.y_test = y_test

    def on_epoch_begin(self, epoch, logs=None):
        self.clock.start_epoch()

    def on_epoch_end(self, epoch, logs=None):
        self.clock.end_epoch(self._test_accuracy)

    def _test_accuracy(self):
        # A direct call, not predict(): the predict function is timed later, cold.
        probabilities = np.asarray(self.model(self.X_test, training=False))
        return np.mean(probabilities.argmax(axis=1) == self.y_test)


def tensorflow_threads():
    """The thread-pool sizes TensorFlow runs with (0: its default, one per core).

    Pools not set through ``tf.config`` take their sizes from ``TF_NUM_INTRAOP_THREADS``
    and ``TF_NUM_INTEROP_THREADS`` when the environment has them.
    """
    import tensorflow as tf

    configured = {
        "intra_op": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op": tf.config.threading.get_inter_op_parallelism_threads(),
    }
    return {
        pool: value or int(os.environ.get(_ENVIRONMENT[pool]) or 0)
        for pool, value in configured.items()
    }


def fit(data, *, epochs, seed, clock):
    """Train and return ``(predict, info)``; ``predict()`` labels the test images."""
    X_train = scaled(data.X_train).reshape(-1, 28, 28)
    X_test = scaled(data.X_test).reshape(-1, 28, 28)
    clock.begin_fit()
    keras.utils.set_random_seed(seed)
    model = keras.Sequential(
        [
            keras.Input(shape=(28, 28)),
            keras.layers.Flatten(),
            keras.layers.Dense(256, kernel_initializer="he_normal"),
            keras.layers.LeakyReLU(negative_slope=0.1),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    callbacks = [
        keras.callbacks.EarlyStopping(
            monitor="val_accuracy", patience=30, restore_best_weights=True
        ),
        keras.callbacks.ReduceLROnPlateau(
            monitor="val_accuracy", factor=0.5, patience=5, min_lr=1e-6
        ),
        EpochClockCallback(clock, X_test, data.y_test),
    ]
    model.fit(
        X_train,
        data.y_train,
        batch_size=64,
        epochs=epochs,
        validation_split=VALIDATION_FRACTION,
        callbacks=callbacks,
        verbose=0,
    )

    def predict():
        return model.predict(X_test, verbose=0).argmax(axis=1)

    return predict, {"threads": tensorflow_threads(), "notes": NOTES}
