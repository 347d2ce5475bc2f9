import pickle
import random
import warnings

import joblib
import keras
import numpy as np
import pytest
from sklearn.base import clone, is_classifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold, check_cv, cross_validate
from sklearn.utils._param_validation import InvalidParameterError

from skfmnist import FashionMLP, make_fashion_pipeline

# Fast settings shared by the tests: a tiny hidden layer, few epochs, fixed seed.
FAST = dict(hidden_units=8, epochs=3, batch_size=16, random_state=0)


def make_blobs_pixels(n_per_class=30, n_classes=3, n_features=20, seed=0):
    """Separable 'images': class k lights up its own block of pixels (values 0..255)."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(n_classes), n_per_class)
    X = rng.integers(0, 60, size=(len(y), n_features)).astype(np.uint8)
    block = n_features // n_classes
    for k in range(n_classes):
        X[y == k, k * block : (k + 1) * block] += 180
    return X, y


def test_fashion_mlp_defaults_are_the_seed_recipe():
    assert FashionMLP().get_params() == {
        "hidden_units": 256,
        "negative_slope": 0.1,
        "dropout": 0.3,
        "kernel_initializer": "he_normal",
        "learning_rate": 1e-3,
        "batch_size": 64,
        "epochs": 150,
        "validation_fraction": 0.1,
        "early_stopping_patience": 30,
        "lr_factor": 0.5,
        "lr_patience": 5,
        "min_lr": 1e-6,
        "steps_per_execution": 32,
        "random_state": None,
        "verbose": 0,
    }


def test_fashion_mlp_builds_the_seed_architecture():
    X, y = make_blobs_pixels(n_classes=10, n_per_class=4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mlp = FashionMLP(epochs=1, random_state=0).fit(X / 255, y)
    # Keras deprecated LeakyReLU's ``alpha`` for ``negative_slope``: no such warning here.
    assert [str(w.message) for w in caught if "alpha" in str(w.message)] == []
    layers = mlp.model_.layers
    assert [layer.name for layer in layers] == [
        "flatten",
        "hidden",
        "hidden_activation",
        "dropout",
        "output",
    ]
    hidden, act, drop, out = layers[1:]
    assert hidden.units == 256
    assert isinstance(hidden.kernel_initializer, keras.initializers.HeNormal)
    assert isinstance(act, keras.layers.LeakyReLU)
    assert act.negative_slope == pytest.approx(0.1)
    assert drop.rate == 0.3
    assert out.units == 10 and out.activation.__name__ == "softmax"
    assert mlp.model_.count_params() == 20 * 256 + 256 + 256 * 10 + 10
    optimizer = mlp.model_.optimizer
    assert isinstance(optimizer, keras.optimizers.Adam)


def test_fashion_mlp_is_a_classifier_alone_and_in_a_pipeline():
    assert is_classifier(FashionMLP())
    assert is_classifier(make_fashion_pipeline())
    y = np.repeat([0, 1], 10)
    assert isinstance(
        check_cv(5, y, classifier=is_classifier(make_fashion_pipeline())), StratifiedKFold
    )


@pytest.mark.parametrize(
    "params, message",
    [
        (
            {"dropout": 1.5},
            r"The 'dropout' parameter of FashionMLP must be a float in the "
            r"range \[0.0, 1.0\)\. Got 1.5 instead\.",
        ),
        (
            {"hidden_units": 0},
            r"The 'hidden_units' parameter of FashionMLP must be an int in "
            r"the range \[1, inf\)\. Got 0 instead\.",
        ),
        (
            {"learning_rate": 0},
            r"The 'learning_rate' parameter of FashionMLP must be a float "
            r"in the range \(0.0, inf\)\. Got 0 instead\.",
        ),
        (
            {"lr_factor": 1.0},
            r"The 'lr_factor' parameter of FashionMLP must be a float in the "
            r"range \(0.0, 1.0\)\. Got 1.0 instead\.",
        ),
        ({"validation_fraction": -0.1}, r"The 'validation_fraction' parameter"),
        (
            {"batch_size": "64"},
            r"The 'batch_size' parameter of FashionMLP must be an int in "
            r"the range \[1, inf\)\. Got '64' instead\.",
        ),
    ],
)
def test_fashion_mlp_rejects_invalid_parameters_at_fit(params, message):
    X, y = make_blobs_pixels()
    with pytest.raises(InvalidParameterError, match=message):
        FashionMLP(**params).fit(X, y)


def test_fashion_mlp_set_params_suggests_the_closest_parameter():
    with pytest.raises(
        ValueError,
        match=r"^Invalid parameter 'hiden_units' for estimator FashionMLP\. Did you mean "
        r"'hidden_units'\? Valid parameters are: \['batch_size', 'dropout', ",
    ):
        FashionMLP().set_params(hiden_units=3)
    with pytest.raises(ValueError, match=r"Invalid parameter 'fit__epochs' for estimator"):
        FashionMLP().set_params(fit__epochs=3)
    assert (
        FashionMLP().set_params(hidden_units=3, lr_patience=None).get_params()["hidden_units"] == 3
    )


def test_pipeline_set_params_reports_a_misspelt_grid_key():
    with pytest.raises(ValueError, match=r"Did you mean 'dropout'\?"):
        make_fashion_pipeline().set_params(mlp__droput=0.2)


def test_fashion_mlp_clone_keeps_parameters_and_drops_fitted_state():
    X, y = make_blobs_pixels()
    mlp = FashionMLP(**FAST).fit(X, y)
    cloned = clone(mlp)
    assert cloned.get_params() == mlp.get_params()
    assert not hasattr(cloned, "model_")
    assert repr(cloned) == ("FashionMLP(batch_size=16, epochs=3, hidden_units=8, random_state=0)")


@pytest.mark.parametrize(
    "labels",
    [
        np.arange(3),
        np.array([100, 105, 109]),
        np.array(["Trouser", "Bag", "Coat"]),
    ],
    ids=["0..2", "100..109", "class-names"],
)
def test_fashion_mlp_returns_labels_as_given(labels):
    X, y = make_blobs_pixels()
    y_labels = labels[y]
    mlp = FashionMLP(**FAST).fit(X / 255, y_labels)
    assert mlp.classes_.tolist() == sorted(labels.tolist())
    pred = mlp.predict(X / 255)
    assert pred.shape == (90,)
    assert set(pred.tolist()) <= set(labels.tolist())
    assert pred.dtype == y_labels.dtype


def test_fashion_mlp_predict_proba_rows_are_probabilities():
    X, y = make_blobs_pixels()
    proba = FashionMLP(**FAST).fit(X / 255, y).predict_proba(X / 255)
    assert proba.shape == (90, 3)
    assert proba.dtype == np.float32
    assert (proba >= 0).all() and (proba <= 1).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)


def test_fashion_mlp_same_random_state_gives_identical_fits_and_keeps_global_rng():
    X, y = make_blobs_pixels()
    # The legacy global generators are exactly what must stay untouched.
    python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    first = FashionMLP(**FAST).fit(X / 255, y)
    second = FashionMLP(**FAST).fit(X / 255, y)
    assert random.getstate() == python_state
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == numpy_state[0] and np.array_equal(after[1], numpy_state[1])
    assert after[2:] == numpy_state[2:]
    assert first.history_ == second.history_
    for w1, w2 in zip(first.model_.get_weights(), second.model_.get_weights(), strict=True):
        np.testing.assert_array_equal(w1, w2)
    third = FashionMLP(**{**FAST, "random_state": 1}).fit(X / 255, y)
    assert not np.array_equal(third.model_.get_weights()[0], first.model_.get_weights()[0])


def test_fashion_mlp_refit_builds_fresh_callbacks_and_model():
    X, y = make_blobs_pixels()
    mlp = FashionMLP(**FAST)
    mlp.fit(X / 255, y)
    first_history, first_model = mlp.history_, mlp.model_
    mlp.fit(X / 255, y)
    assert mlp.model_ is not first_model
    assert mlp.history_ == first_history


def test_fashion_mlp_history_has_metrics_and_learning_rate_per_epoch():
    X, y = make_blobs_pixels()
    mlp = FashionMLP(**{**FAST, "epochs": 4}).fit(X / 255, y)
    assert sorted(mlp.history_) == [
        "accuracy",
        "learning_rate",
        "loss",
        "val_accuracy",
        "val_loss",
    ]
    assert all(len(values) == 4 for values in mlp.history_.values())
    assert mlp.history_["learning_rate"][0] == pytest.approx(1e-3)
    assert mlp.best_epoch_ == int(np.argmax(mlp.history_["val_accuracy"])) + 1


def test_fashion_mlp_reduces_learning_rate_on_plateau_and_stops_early():
    # A learning rate far too small to move validation accuracy: every epoch is a plateau.
    X, y = make_blobs_pixels()
    mlp = FashionMLP(
        hidden_units=8,
        epochs=20,
        learning_rate=1e-9,
        lr_patience=0,
        lr_factor=0.5,
        min_lr=1e-10,
        early_stopping_patience=3,
        random_state=0,
    ).fit(X / 255, y)
    lr = mlp.history_["learning_rate"]
    assert len(lr) == 4  # best epoch 1, then 3 epochs without improvement
    # The rate logged for an epoch is the one it trained with; a cut applies from the next.
    np.testing.assert_allclose(lr, [1e-9, 1e-9, 5e-10, 2.5e-10], rtol=1e-6)
    assert mlp.best_epoch_ == 1


def test_fashion_mlp_without_validation_monitors_training_accuracy():
    X, y = make_blobs_pixels()
    mlp = FashionMLP(**{**FAST, "validation_fraction": 0.0, "lr_patience": None}).fit(X, y)
    assert sorted(mlp.history_) == ["accuracy", "learning_rate", "loss"]
    assert mlp.history_["learning_rate"] == pytest.approx([1e-3] * 3)


def test_validation_split_is_stratified_and_shuffled_on_label_sorted_data():
    X, y = make_blobs_pixels(n_per_class=20, n_classes=10, n_features=10)
    mlp = FashionMLP(validation_fraction=0.1, random_state=0)
    mlp._random_state = 0
    train, val = mlp._validation_split(X, y)
    assert len(val) == 20 and len(train) == 180
    assert np.bincount(y[val]).tolist() == [2] * 10
    assert np.bincount(y[train]).tolist() == [18] * 10
    # Keras' validation_split would take the last 20 rows: all of them class 9.
    assert sorted(val.tolist()) != list(range(180, 200))
    train2, val2 = mlp._validation_split(X, y)
    np.testing.assert_array_equal(val, val2)


def test_validation_split_falls_back_to_shuffled_when_a_class_is_too_small():
    y = np.array([0] * 18 + [1] * 1 + [2] * 1)
    mlp = FashionMLP(validation_fraction=0.1)
    mlp._random_state = 0
    with pytest.warns(
        UserWarning,
        match=r"Cannot stratify a validation set of 2 samples over "
        r"3 classes \(smallest class: 1 samples\)",
    ):
        train, val = mlp._validation_split(np.zeros((20, 1)), y)
    assert len(val) == 2 and len(train) == 18


def test_fashion_mlp_rejects_bad_input_with_clear_errors():
    X, y = make_blobs_pixels()
    mlp = FashionMLP(**FAST)
    X_nan = X / 255
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        mlp.fit(X_nan, y)
    with pytest.raises(
        ValueError,
        match=r"Found input variables with inconsistent numbers of "
        r"samples: \[90, 89\]",
    ):
        mlp.fit(X, y[:-1])
    with pytest.raises(
        ValueError,
        match=r"y should be a 1d array, got an array of shape "
        r"\(90, 2\) instead\.",
    ):
        mlp.fit(X, np.column_stack([y, y]))
    mlp.fit(X / 255, y)
    with pytest.raises(
        ValueError,
        match=r"^X has 5 features, but FashionMLP is expecting 20 "
        r"features as input\.$",
    ):
        mlp.predict(np.zeros((2, 5)))


def test_fashion_mlp_rejects_sparse_input():
    sparse = pytest.importorskip("scipy.sparse")
    X, y = make_blobs_pixels()
    with pytest.raises(
        TypeError,
        match=r"FashionMLP does not accept sparse input; convert it "
        r"with X\.toarray\(\)\.",
    ):
        FashionMLP(**FAST).fit(sparse.csr_matrix(X), y)


def test_unfitted_fashion_mlp_predict_raises_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError, match="This FashionMLP instance is not fitted yet"):
        FashionMLP().predict(np.zeros((1, 784)))


def test_fitted_pipeline_survives_pickle_and_joblib(tmp_path):
    X, y = make_blobs_pixels()
    pipe = make_fashion_pipeline(**FAST).fit(X, y)
    expected = pipe.predict_proba(X)
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    joblib.dump(pipe, tmp_path / "pipe.joblib")
    np.testing.assert_array_equal(joblib.load(tmp_path / "pipe.joblib").predict_proba(X), expected)


def test_grid_search_over_model_and_callback_parameters():
    X, y = make_blobs_pixels()
    grid = GridSearchCV(
        make_fashion_pipeline(**{**FAST, "epochs": 10, "learning_rate": 1e-2}),
        {
            "mlp__hidden_units": [4, 8],
            "mlp__lr_patience": [1, None],
            "mlp__early_stopping_patience": [2],
        },
        cv=3,
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_estimator_.named_steps["mlp"].hidden_units in (4, 8)
    assert grid.best_score_ > 0.85
    assert grid.predict(X[:5]).shape == (5,)


@pytest.mark.slow
def test_grid_search_runs_in_two_worker_processes():
    X, y = make_blobs_pixels()
    grid = GridSearchCV(
        make_fashion_pipeline(**FAST), {"mlp__dropout": [0.0, 0.3]}, cv=2, n_jobs=2
    ).fit(X, y)
    serial = GridSearchCV(
        make_fashion_pipeline(**FAST), {"mlp__dropout": [0.0, 0.3]}, cv=2, n_jobs=1
    ).fit(X, y)
    np.testing.assert_allclose(
        grid.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"]
    )


def test_cross_validate_uses_stratified_folds():
    X, y = make_blobs_pixels(n_per_class=10)
    result = cross_validate(make_fashion_pipeline(**FAST), X, y, cv=5, return_indices=True)
    for test_idx in result["indices"]["test"]:
        assert np.bincount(y[test_idx]).tolist() == [2, 2, 2]
    assert result["test_score"].shape == (5,)


@pytest.mark.slow
def test_pipeline_learns_real_fashion_mnist_quickly():
    from sklearn.model_selection import train_test_split

    from skfmnist import fetch_fashion_mnist

    X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
    X_test, y_test = fetch_fashion_mnist(subset="test", return_X_y=True)
    X_small, _, y_small, _ = train_test_split(X, y, train_size=6000, stratify=y, random_state=0)
    pipe = make_fashion_pipeline(epochs=5, random_state=0).fit(X_small, y_small)
    accuracy = pipe.score(X_test, y_test)
    assert 0.78 < accuracy < 0.90
    assert len(pipe[-1].history_["val_accuracy"]) == 5


def test_make_fashion_pipeline_scales_then_classifies_with_the_given_parameters():
    from skfmnist import PixelScaler

    pipe = make_fashion_pipeline(epochs=7, dropout=0.0)
    assert [name for name, _ in pipe.steps] == ["scale", "mlp"]
    assert isinstance(pipe.named_steps["scale"], PixelScaler)
    assert isinstance(pipe.named_steps["mlp"], FashionMLP)
    assert pipe.named_steps["mlp"].get_params()["epochs"] == 7
    assert pipe.get_params()["mlp__dropout"] == 0.0
    with pytest.raises(TypeError, match="unexpected keyword argument 'epoch'"):
        make_fashion_pipeline(epoch=7)


def test_unseeded_fit_after_a_seeded_fit_in_the_same_process():
    # A seeded fit once left TensorFlow's op determinism on for the whole process, after
    # which unseeded random ops fail ("Random ops require a seed").
    X, y = make_blobs_pixels()
    FashionMLP(**FAST).fit(X, y)
    unseeded = FashionMLP(**{**FAST, "random_state": None}).fit(X, y)
    assert len(unseeded.history_["loss"]) == 3


def test_predict_proba_of_one_sample_is_one_row():
    X, y = make_blobs_pixels()
    mlp = FashionMLP(**FAST).fit(X / 255, y)
    assert mlp.predict_proba(X[:1] / 255).shape == (1, 3)
    assert mlp.predict(X[:1] / 255).shape == (1,)


def test_random_state_instances_seed_differently_and_reproducibly():
    X, y = make_blobs_pixels()
    fit = lambda rs: FashionMLP(**{**FAST, "random_state": rs}).fit(X, y)  # noqa: E731
    first = fit(np.random.RandomState(1)).model_.get_weights()[0]
    again = fit(np.random.RandomState(1)).model_.get_weights()[0]
    other = fit(np.random.RandomState(2)).model_.get_weights()[0]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_kernel_initializer_must_be_a_seeded_keras_initializer():
    X, y = make_blobs_pixels()
    with pytest.raises(
        InvalidParameterError,
        match=r"The 'kernel_initializer' parameter of FashionMLP must be a str among "
        r"\{.*'he_normal'.*\}\. Got 'zeros' instead\.",
    ):
        FashionMLP(kernel_initializer="zeros").fit(X, y)
    mlp = FashionMLP(**{**FAST, "kernel_initializer": "glorot_uniform"}).fit(X, y)
    assert isinstance(
        mlp.model_.get_layer("hidden").kernel_initializer, keras.initializers.GlorotUniform
    )
