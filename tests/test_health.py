"""Tests for skfmnist._health: dying-neuron analysis, exact on hand-set weights."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import Pipeline

from skfmnist import (
    FashionMLP,
    PixelScaler,
    make_fashion_pipeline,
    neuron_health,
    neuron_health_scorer,
)

# Pixels of 0, 51 and 255 scale to exactly representable-enough 0, 0.2 and 1.
X_RAW = np.array(
    [
        [255, 0, 0, 0],
        [0, 255, 0, 0],
        [0, 0, 255, 0],
        [0, 0, 0, 255],
        [51, 51, 51, 51],
    ],
    dtype=np.uint8,
)
X = PixelScaler().fit_transform(X_RAW)

# One column per hidden unit; pre-activation = X @ W + b, activation = LeakyReLU(0.1).
W = np.zeros((4, 6), dtype=np.float32)
W[:, 4] = [1, -1, 2, 0]
W[:, 5] = [-1, -1, -1, 4]
B = np.array([-1.0, 0.0, 0.99e-4, 1.01e-4, 0.0, 0.0], dtype=np.float32)
# unit 0: always -1 -> -0.1 (dead); unit 1: always 0 (dead); unit 2: max 0.99e-4, just
# below the threshold (dead); unit 3: max 1.01e-4, just above (alive); units 4, 5: alive.
# No pre-activation is zero up to rounding, so the signs are exact too.
EXPECTED_DEAD = [True, True, True, False, False, False]


def _leaky(z):
    return np.where(z >= 0, z, 0.1 * z)


EXPECTED_ACTIVATIONS = _leaky(X.astype(np.float64) @ W + B)


@pytest.fixture(scope="module")
def mlp():
    """A FashionMLP on 4 features and 6 hidden units whose hidden layer is set by hand."""
    rng = np.random.default_rng(0)
    X_train = rng.random((20, 4), dtype=np.float32)
    y_train = np.arange(20) % 2
    model = FashionMLP(hidden_units=6, epochs=1, validation_fraction=0.0, random_state=0)
    model.fit(X_train, y_train)
    model.model_.get_layer("hidden").set_weights([W, B])
    return model


@pytest.fixture(scope="module")
def pipe(mlp):
    return Pipeline([("scale", PixelScaler().fit(X_RAW)), ("mlp", mlp)])


def test_max_activation_and_dead_mask_are_exact_on_hand_set_weights(mlp):
    report = neuron_health(mlp, X)
    assert report.max_activation.dtype == np.float32
    np.testing.assert_allclose(
        report.max_activation, [-0.1, 0.0, 0.99e-4, 1.01e-4, 2.0, 4.0], rtol=1e-6
    )
    assert report.dead.tolist() == EXPECTED_DEAD
    assert report.n_dead == 3
    assert report.dead_fraction == 0.5
    assert report.threshold == 1e-4
    assert (report.n_samples, report.n_hidden) == (5, 6)


def test_summary_statistics_describe_every_activation(mlp):
    report = neuron_health(mlp, X)
    values = EXPECTED_ACTIVATIONS.ravel()
    assert report.mean == pytest.approx(values.mean(), rel=1e-6)
    assert report.std == pytest.approx(values.std(), rel=1e-6)
    assert report.min == pytest.approx(-0.1, rel=1e-6)
    assert report.max == pytest.approx(4.0, rel=1e-6)
    # 5 samples x unit 0, and units 4 and 5 on the samples where they are negative.
    assert report.negative_fraction == (5 + 1 + 3) / 30
    assert list(report.percentiles) == [1, 5, 25, 50, 75, 95, 99]
    expected = np.percentile(values, [1, 5, 25, 50, 75, 95, 99])
    np.testing.assert_allclose(list(report.percentiles.values()), expected, rtol=1e-5, atol=1e-7)
    counts, edges = report.histogram
    assert counts.sum() == 30 and len(counts) == 100
    assert edges[0] == pytest.approx(-0.1, rel=1e-6) and edges[-1] == pytest.approx(4.0)
    np.testing.assert_array_equal(counts, np.histogram(values, bins=100, range=(-0.1, 4.0))[0])


def test_pipeline_applies_its_preceding_steps(mlp, pipe):
    on_pipeline = neuron_health(pipe, X_RAW)
    on_mlp = neuron_health(mlp, X)
    np.testing.assert_array_equal(on_pipeline.max_activation, on_mlp.max_activation)
    assert on_pipeline.dead.tolist() == EXPECTED_DEAD


@pytest.mark.parametrize(
    "threshold, expected_dead",
    [
        (-1.0, [False] * 6),
        (0.0, [True, False, False, False, False, False]),
        (1e-4, EXPECTED_DEAD),
        (3.0, [True, True, True, True, True, False]),
    ],
)
def test_threshold_decides_with_a_strict_comparison(mlp, threshold, expected_dead):
    report = neuron_health(mlp, X, threshold=threshold)
    assert report.dead.tolist() == expected_dead
    assert report.threshold == threshold


def test_batch_size_does_not_change_the_report(mlp):
    whole = neuron_health(mlp, X)
    batched = neuron_health(mlp, X, batch_size=2)
    np.testing.assert_array_equal(whole.max_activation, batched.max_activation)
    assert whole.mean == batched.mean and whole.percentiles == batched.percentiles


def test_scorer_is_one_minus_the_dead_fraction(mlp, pipe):
    assert neuron_health_scorer(mlp, X) == 0.5
    assert neuron_health_scorer(pipe, X_RAW, np.zeros(5)) == 0.5


def test_scorer_in_cross_validate_scores_each_fold_exactly():
    rng = np.random.default_rng(0)
    X_train = rng.integers(0, 256, (40, 784), dtype=np.uint8)
    y_train = np.arange(40) % 2
    result = cross_validate(
        make_fashion_pipeline(hidden_units=8, epochs=1, random_state=0),
        X_train,
        y_train,
        cv=2,
        scoring={"accuracy": "accuracy", "neuron_health": neuron_health_scorer},
        return_estimator=True,
        return_indices=True,
    )
    for estimator, test, score in zip(
        result["estimator"],
        result["indices"]["test"],
        result["test_neuron_health"],
        strict=True,
    ):
        assert score == 1 - neuron_health(estimator, X_train[test]).dead_fraction
    assert result["test_accuracy"].shape == (2,)


def test_scorer_in_grid_search():
    rng = np.random.default_rng(1)
    X_train = rng.integers(0, 256, (40, 784), dtype=np.uint8)
    y_train = np.arange(40) % 2
    search = GridSearchCV(
        make_fashion_pipeline(epochs=1, random_state=0),
        {"mlp__hidden_units": [8]},
        scoring=neuron_health_scorer,
        cv=2,
        refit=False,
    ).fit(X_train, y_train)
    scores = [search.cv_results_[f"split{i}_test_score"][0] for i in range(2)]
    assert all(score in {k / 8 for k in range(9)} for score in scores)
    assert search.cv_results_["mean_test_score"][0] == np.mean(scores)


def test_unfitted_estimator_raises_not_fitted():
    with pytest.raises(NotFittedError):
        neuron_health(FashionMLP(), X)
    with pytest.raises(NotFittedError):
        neuron_health(make_fashion_pipeline(), X_RAW)


def test_other_estimators_are_rejected_with_a_clear_message():
    logistic = LogisticRegression().fit(X, [0, 1, 0, 1, 0])
    with pytest.raises(
        TypeError,
        match=r"^neuron_health needs a FashionMLP or a pipeline ending in one; "
        r"got LogisticRegression\.$",
    ):
        neuron_health(logistic, X)


def test_wrong_number_of_features_is_reported(mlp):
    with pytest.raises(ValueError, match="X has 5 features, but FashionMLP is expecting 4"):
        neuron_health(mlp, np.zeros((2, 5), dtype=np.float32))
