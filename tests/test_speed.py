"""What makes FashionMLP fast: thread pools, the fused Adam update, chunked training steps,
direct inference batches."""

import functools
import json
import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

# --- thread settings ------------------------------------------------------------------


def test_set_tensorflow_threads_validates_its_arguments():
    from skfmnist import set_tensorflow_threads

    with pytest.raises(
        InvalidParameterError,
        match=r"The 'intra_op' parameter of set_tensorflow_threads must be an int in the "
        r"range \[0, inf\)\. Got -1 instead\.",
    ):
        set_tensorflow_threads(intra_op=-1)


_THREADS_SCRIPT = textwrap.dedent(
    """
    import json, os
    from skfmnist import set_tensorflow_threads
    import tensorflow as tf

    set_tensorflow_threads(intra_op=1, inter_op=2)
    report = {
        "pools": [
            tf.config.threading.get_intra_op_parallelism_threads(),
            tf.config.threading.get_inter_op_parallelism_threads(),
        ],
        "environment": [os.environ["TF_NUM_INTRAOP_THREADS"], os.environ["TF_NUM_INTEROP_THREADS"]],
    }
    tf.constant([1.0, 2.0]) * 2  # the runtime starts
    set_tensorflow_threads(intra_op=1, inter_op=2)  # the same values: allowed
    try:
        set_tensorflow_threads(intra_op=2, inter_op=2)
    except RuntimeError as exc:
        report["late"] = str(exc)
    print(json.dumps(report))
    """
)


def test_set_tensorflow_threads_sets_pools_and_environment_and_refuses_late_changes():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    completed = subprocess.run(
        [sys.executable, "-c", _THREADS_SCRIPT],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=True,
    )
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["pools"] == [1, 2]
    assert report["environment"] == ["1", "2"]
    assert report["late"] == (
        "set_tensorflow_threads(intra_op=2, inter_op=2) was called after TensorFlow's "
        "runtime had started with intra_op=1, inter_op=2 (0: TensorFlow's choice); its "
        "thread pools cannot change any more. Call it at the start of the process, before "
        "any model is built or fitted."
    )


# --- speed-related FashionMLP behaviour ------------------------------------------------


def _adam_steps(fused, start, gradients):
    import keras
    import tensorflow as tf

    from skfmnist._mlp import _fused_adam_update_step

    weights = keras.Variable(start)
    optimizer = keras.optimizers.Adam(learning_rate=0.01)
    if fused:
        optimizer.update_step = functools.partial(_fused_adam_update_step, optimizer)

    @tf.function
    def step(gradient):
        optimizer.apply([gradient], [weights])

    for gradient in gradients:
        step(tf.constant(gradient))
    return keras.ops.convert_to_numpy(weights)


def test_fused_adam_update_matches_keras_adam():
    rng = np.random.default_rng(0)
    start = rng.normal(size=(5, 3)).astype(np.float32)
    gradients = [rng.normal(size=(5, 3)).astype(np.float32) for _ in range(3)]
    keras_adam = _adam_steps(False, start, gradients)
    np.testing.assert_allclose(_adam_steps(True, start, gradients), keras_adam, rtol=0, atol=1e-6)
    assert np.abs(keras_adam - start).max() > 0.02  # the steps did move the weights


def test_fashion_mlp_trains_with_the_fused_update_and_without_op_determinism():
    import keras
    from tensorflow.python.framework import config  # is_op_determinism_enabled is private

    from skfmnist import FashionMLP
    from skfmnist._mlp import _fused_adam_update_step

    seen = []

    class RecordDeterminism(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(config.is_op_determinism_enabled())

    rng = np.random.default_rng(0)
    X, y = rng.random((60, 784), dtype=np.float32), np.repeat([0, 1, 2], 20)
    mlp = FashionMLP(hidden_units=8, epochs=2, random_state=0)
    mlp.fit(X, y, callbacks=[RecordDeterminism()])
    assert seen == [False, False]
    assert mlp.model_.optimizer.update_step.func is _fused_adam_update_step
    # An unpickled model holds a plain Keras Adam and step; training attaches ours again.
    restored = pickle.loads(pickle.dumps(mlp))
    assert type(restored.model_.optimizer) is keras.optimizers.Adam
    assert "train_step" not in vars(restored.model_)
    restored.partial_fit(X, y)
    assert len(restored.history_["loss"]) == 3
    assert restored.model_.optimizer.update_step.func is _fused_adam_update_step


def test_chunks_of_mini_batches_train_exactly_like_single_mini_batches():
    from skfmnist import FashionMLP

    rng = np.random.default_rng(0)
    X, y = rng.random((203, 784), dtype=np.float32), np.repeat(np.arange(7), 29)
    params = dict(hidden_units=8, epochs=2, batch_size=16, random_state=0)
    # 183 training images: 11 full mini-batches and one of 7, in chunks of 1, 4 or all.
    fits = [FashionMLP(**params, steps_per_execution=chunk).fit(X, y) for chunk in (1, 4, 1000)]
    weighted = FashionMLP(**params, steps_per_execution=4).fit(
        X, y, class_weight=dict.fromkeys(range(7), 1.0)
    )
    for other in [*fits[1:], weighted]:
        assert other.history_ == fits[0].history_
        weights = zip(other.model_.get_weights(), fits[0].model_.get_weights(), strict=True)
        for ours, theirs in weights:
            np.testing.assert_array_equal(ours, theirs)
    # The fitted Keras model still trains on ordinary mini-batches of its own.
    history = fits[0].model_.fit(X, y.astype(np.float32), batch_size=16, epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1


def test_predictions_run_the_inference_batches_directly_with_keras_results():
    from skfmnist import FashionMLP
    from skfmnist._mlp import _INFERENCE_BATCH_SIZE

    rng = np.random.default_rng(0)
    X, y = rng.random((5000, 784), dtype=np.float32), np.repeat(np.arange(10), 500)
    mlp = FashionMLP(hidden_units=8, epochs=1, random_state=0).fit(X, y)
    proba = mlp.predict_proba(X)
    expected = mlp.model_.predict(X, batch_size=_INFERENCE_BATCH_SIZE, verbose=0)
    assert proba.shape == (5000, 10) and proba.dtype == np.float32
    np.testing.assert_array_equal(proba, expected)
    # Keras' predict options still go to Keras' predict.
    np.testing.assert_allclose(mlp.predict_proba(X, batch_size=100), expected, atol=1e-6)
    assert mlp.predict_proba(X[:1]).shape == (1, 10)


def test_chunked_training_applies_sample_and_class_weights():
    from skfmnist import FashionMLP

    rng = np.random.default_rng(0)
    X, y = rng.random((140, 784), dtype=np.float32), np.repeat(np.arange(7), 20)
    params = dict(hidden_units=8, epochs=2, batch_size=16, steps_per_execution=4, random_state=0)
    plain = FashionMLP(**params).fit(X, y)
    by_sample = FashionMLP(**params).fit(X, y, sample_weight=(y + 1.0))
    by_class = FashionMLP(**params).fit(X, y, class_weight={c: c + 1.0 for c in range(7)})
    # Training is the same; like Keras, sample weights also weight the validation loss,
    # class weights do not.
    validation_loss = by_sample.history_.pop("val_loss"), by_class.history_.pop("val_loss")
    assert by_class.history_ == by_sample.history_
    assert validation_loss[0][0] > 2 * validation_loss[1][0]
    for ours, theirs in zip(
        by_class.model_.get_weights(), by_sample.model_.get_weights(), strict=True
    ):
        np.testing.assert_array_equal(ours, theirs)
    # The weights reach the loss: a weighted fit is not the unweighted one.
    assert by_sample.history_["loss"] != plain.history_["loss"]
    assert by_sample.history_["loss"][0] > 2 * plain.history_["loss"][0]


def test_class_weight_missing_classes_weigh_one_as_in_keras():
    from skfmnist import FashionMLP

    rng = np.random.default_rng(0)
    X, y = rng.random((60, 784), dtype=np.float32), np.repeat([0, 1, 2], 20)
    params = dict(hidden_units=8, epochs=2, batch_size=16, random_state=0)
    partial = FashionMLP(**params).fit(X, y, class_weight={1: 3.0})
    full = FashionMLP(**params).fit(X, y, class_weight={0: 1.0, 1: 3.0, 2: 1.0})
    assert partial.history_ == full.history_
    unweighted = FashionMLP(**params).fit(X, y)
    assert partial.history_["loss"] != unweighted.history_["loss"]


def test_each_partial_fit_call_draws_a_new_sample_order(monkeypatch):
    from skfmnist import FashionMLP, _mlp

    orders = []
    make_chunks = _mlp._training_chunks

    def recording(X, *args, **kwargs):
        chunks = make_chunks(X, *args, **kwargs)
        first_pixels = [c[_mlp._CHUNK][0].numpy()[..., 0].ravel() for c in chunks]
        orders.append(np.concatenate(first_pixels))
        return chunks

    monkeypatch.setattr(_mlp, "_training_chunks", recording)
    rng = np.random.default_rng(0)
    X, y = rng.random((60, 784), dtype=np.float32), np.repeat([0, 1, 2], 20)
    mlp = FashionMLP(hidden_units=8, batch_size=16, validation_fraction=0.0, random_state=0)
    for _ in range(3):
        mlp.partial_fit(X, y)
    assert [sorted(order) for order in orders] == [sorted(X[:, 0])] * 3
    assert not np.array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[1], orders[2])
    # A new fit starts over: the first call's order again.
    mlp.fit(X, y, epochs=1)
    np.testing.assert_array_equal(orders[3], orders[0])
