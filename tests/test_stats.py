"""Tests for skfmnist._stats: Wilson intervals and the per-class accuracy table."""

import math

import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils._param_validation import InvalidParameterError

from skfmnist import most_confused_pairs, per_class_accuracy, wilson_interval


def test_wilson_interval_at_the_extremes_is_exact():
    low, high = wilson_interval(10, 10)
    assert low == pytest.approx(0.72247, abs=5e-6)
    assert high == 1.0
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.27753, abs=5e-6)


@pytest.mark.parametrize(
    "successes, total, expected",
    [
        # Newcombe (1998), Statistics in Medicine 17:857-872, Table I, method 3 (Wilson).
        (81, 263, (0.2553, 0.3662)),
        (15, 148, (0.0624, 0.1605)),
        (0, 20, (0.0000, 0.1611)),
        (1, 29, (0.0061, 0.1718)),
    ],
)
def test_wilson_interval_matches_published_values(successes, total, expected):
    assert wilson_interval(successes, total) == pytest.approx(expected, abs=5e-5)


def test_wilson_interval_is_symmetric_around_one_half():
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(1 - high, abs=1e-15)
    assert low == pytest.approx(0.236593, abs=5e-7)


def test_wilson_interval_is_wider_at_higher_confidence():
    low95, high95 = wilson_interval(5, 10, confidence=0.95)
    low99, high99 = wilson_interval(5, 10, confidence=0.99)
    assert low99 == pytest.approx(0.184226, abs=5e-7)
    assert low99 < low95 and high99 > high95


@pytest.mark.parametrize("total", [1, 2, 7, 50, 1000])
def test_wilson_interval_bounds_stay_in_unit_interval_and_contain_the_estimate(total):
    for successes in range(total + 1):
        low, high = wilson_interval(successes, total)
        assert 0.0 <= low <= successes / total <= high <= 1.0


def test_wilson_interval_accepts_numpy_integers():
    assert wilson_interval(np.int64(10), np.int64(10)) == wilson_interval(10, 10)


def test_wilson_interval_of_zero_total_is_nan_with_a_warning():
    with pytest.warns(
        UndefinedMetricWarning, match=r"undefined for total=0; returning \(nan, nan\)"
    ):
        low, high = wilson_interval(0, 0)
    assert math.isnan(low) and math.isnan(high)


def test_wilson_interval_rejects_more_successes_than_trials():
    with pytest.raises(ValueError, match=r"^successes=11 must not exceed total=10\.$"):
        wilson_interval(11, 10)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"successes": -1, "total": 10}, "'successes' parameter of wilson_interval must be"),
        ({"successes": 1, "total": 2.5}, "'total' parameter of wilson_interval must be"),
        ({"successes": 1, "total": 2, "confidence": 1.0}, "'confidence' parameter"),
    ],
)
def test_wilson_interval_validates_its_parameters(kwargs, message):
    with pytest.raises(InvalidParameterError, match=message):
        wilson_interval(**kwargs)


def test_per_class_accuracy_rows_are_exact():
    y_true = [0, 0, 0, 0, 1, 1, 2, 2, 2, 2]
    y_pred = [0, 0, 0, 1, 1, 1, 0, 0, 2, 1]
    rows = per_class_accuracy(y_true, y_pred, target_names=["a", "b", "c"])
    assert [(r["class"], r["label"], r["correct"], r["total"]) for r in rows] == [
        ("a", 0, 3, 4),
        ("b", 1, 2, 2),
        ("c", 2, 1, 4),
    ]
    assert [r["accuracy"] for r in rows] == [0.75, 1.0, 0.25]
    for row in rows:
        assert (row["ci_low"], row["ci_high"]) == wilson_interval(row["correct"], row["total"])
    assert rows[1]["ci_high"] == 1.0
    # Plain Python values: the table goes to JSON as it is.
    assert all(type(r["label"]) is int and type(r["correct"]) is int for r in rows)


def test_per_class_accuracy_with_string_labels_defaults_to_label_names():
    rows = per_class_accuracy(["cat", "dog", "dog"], ["dog", "dog", "dog"])
    assert [(r["class"], r["label"], r["correct"], r["total"]) for r in rows] == [
        ("cat", "cat", 0, 1),
        ("dog", "dog", 2, 2),
    ]


def test_per_class_accuracy_follows_labels_order_and_confidence():
    rows = per_class_accuracy([0, 1, 1], [0, 1, 0], labels=[1, 0], confidence=0.99)
    assert [r["label"] for r in rows] == [1, 0]
    assert (rows[0]["ci_low"], rows[0]["ci_high"]) == wilson_interval(1, 2, confidence=0.99)


def test_per_class_accuracy_of_an_absent_class_is_nan_with_a_warning():
    with pytest.warns(UndefinedMetricWarning, match="total=0"):
        rows = per_class_accuracy([0, 0], [0, 1], labels=[0, 1])
    assert rows[1]["total"] == 0 and rows[1]["correct"] == 0
    assert math.isnan(rows[1]["accuracy"]) and math.isnan(rows[1]["ci_low"])


def test_per_class_accuracy_rejects_mismatched_inputs():
    with pytest.raises(ValueError, match=r"^y_true and y_pred have different lengths: 3 and 2\.$"):
        per_class_accuracy([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match=r"^target_names has 1 names for 2 labels\.$"):
        per_class_accuracy([0, 1], [0, 1], target_names=["a"])


# --- most_confused_pairs ------------------------------------------------------------------


def test_most_confused_pairs_are_sorted_by_count_then_by_label():
    y_true = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]
    y_pred = [1, 1, 2, 0, 0, 2, 1, 1, 0, 2]
    assert most_confused_pairs(y_true, y_pred, n=None) == [
        (0, 1, 2),
        (1, 0, 2),
        (0, 2, 1),
        (1, 2, 1),
        (2, 0, 1),
        (2, 1, 1),
    ]
    assert most_confused_pairs(y_true, y_pred, n=3) == [(0, 1, 2), (1, 0, 2), (0, 2, 1)]


def test_most_confused_pairs_use_target_names_and_the_order_of_labels():
    y_true = np.array([0, 0, 1, 1, 2])
    y_pred = np.array([1, 2, 0, 1, 2])
    rows = most_confused_pairs(y_true, y_pred, labels=[2, 1, 0], target_names=["c", "b", "a"])
    # Ties broken by position in labels: the true class 2 first (none), then 1, then 0.
    assert rows == [("b", "a", 1), ("a", "c", 1), ("a", "b", 1)]
    assert all(type(count) is int for _, _, count in rows)
    assert type(most_confused_pairs(y_true, y_pred)[0][0]) is int  # not np.int64


def test_most_confused_pairs_of_perfect_predictions_is_empty():
    assert most_confused_pairs(["a", "b"], ["a", "b"]) == []


def test_most_confused_pairs_rejects_bad_arguments():
    with pytest.raises(ValueError, match="^y_true and y_pred have different lengths: 2 and 1.$"):
        most_confused_pairs([0, 1], [0])
    with pytest.raises(ValueError, match="^target_names has 1 names for 2 labels.$"):
        most_confused_pairs([0, 1], [1, 0], target_names=["a"])
    with pytest.raises(
        InvalidParameterError,
        match=r"^The 'n' parameter of most_confused_pairs must be an int in the range "
        r"\[1, inf\) or None\. Got 0 instead\.$",
    ):
        most_confused_pairs([0, 1], [1, 0], n=0)
