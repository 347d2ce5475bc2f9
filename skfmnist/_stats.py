"""Confidence intervals for accuracies, the per-class accuracy table, confused pairs."""

import math
import warnings
from numbers import Integral, Real
from statistics import NormalDist

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import column_or_1d

__all__ = ["most_confused_pairs", "per_class_accuracy", "wilson_interval"]


@validate_params(
    {
        "successes": [Interval(Integral, 0, None, closed="left")],
        "total": [Interval(Integral, 0, None, closed="left")],
        "confidence": [Interval(Real, 0, 1, closed="neither")],
    },
    prefer_skip_nested_validation=True,
)
def wilson_interval(successes, total, confidence=0.95):
    """Wilson score confidence interval of a binomial proportion.

    Unlike the normal-approximation ("Wald") interval, it stays inside [0, 1] and does not
    collapse to a point at 0/n or n/n, which matters for per-class accuracies near 100%.

    Parameters
    ----------
    successes : int
        Number of successes (e.g. correctly classified samples), at most ``total``.

    total : int
        Number of trials.

    confidence : float, default=0.95
        Confidence level, in (0, 1).

    Returns
    -------
    low, high : tuple of float
        The interval's bounds, within [0, 1]. ``(nan, nan)`` with an
        ``UndefinedMetricWarning`` when ``total`` is 0.

    References
    ----------
    E. B. Wilson, "Probable inference, the law of succession, and statistical inference",
    Journal of the American Statistical Association 22 (1927), 209-212.

    Examples
    --------
    >>> from skfmnist import wilson_interval
    >>> [round(b, 5) for b in wilson_interval(10, 10)]
    [0.72247, 1.0]
    >>> [round(b, 4) for b in wilson_interval(850, 1000)]
    [0.8265, 0.8708]
    """
    if successes > total:
        raise ValueError(f"successes={successes} must not exceed total={total}.")
    if total == 0:
        warnings.warn(
            "The Wilson interval is undefined for total=0; returning (nan, nan).",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        return (math.nan, math.nan)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p = successes / total
    z2_n = z * z / total
    center = (p + z2_n / 2) / (1 + z2_n)
    half_width = z / (1 + z2_n) * math.sqrt(p * (1 - p) / total + z2_n / (4 * total))
    # At 0/n and n/n the formula's bound is 0 or 1 only up to rounding; make it exact.
    low = 0.0 if successes == 0 else max(0.0, center - half_width)
    high = 1.0 if successes == total else min(1.0, center + half_width)
    return (low, high)


def per_class_accuracy(y_true, y_pred, *, labels=None, target_names=None, confidence=0.95):
    """Accuracy on each true class, with Wilson confidence intervals.

    The accuracy of a class is the fraction of its samples that were predicted as that
    class (its recall).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.

    y_pred : array-like of shape (n_samples,)
        Predicted labels.

    labels : array-like of shape (n_classes,), default=None
        The classes to report, in this order. By default the sorted labels of ``y_true``.

    target_names : sequence of str, default=None
        Display names of ``labels``, in the same order. By default ``str(label)``.

    confidence : float, default=0.95
        Confidence level of the intervals.

    Returns
    -------
    rows : list of dict
        One dict per class with keys ``"class"`` (display name), ``"label"``, ``"correct"``,
        ``"total"``, ``"accuracy"``, ``"ci_low"`` and ``"ci_high"``; plain Python values,
        so the table converts to JSON or ``pandas.DataFrame(rows)`` directly. A class
        without samples gets NaN accuracy and interval, with an ``UndefinedMetricWarning``.

    See Also
    --------
    wilson_interval : The confidence interval used.

    Examples
    --------
    >>> from skfmnist import per_class_accuracy
    >>> rows = per_class_accuracy([0, 0, 1, 1], [0, 1, 1, 1], target_names=["cat", "dog"])
    >>> [(r["class"], r["correct"], r["total"], r["accuracy"]) for r in rows]
    [('cat', 1, 2, 0.5), ('dog', 2, 2, 1.0)]
    """
    y_true = column_or_1d(y_true)
    y_pred = column_or_1d(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true and y_pred have different lengths: {len(y_true)} and {len(y_pred)}."
        )
    labels = np.unique(y_true) if labels is None else column_or_1d(labels)
    if target_names is None:
        target_names = [str(label) for label in labels]
    elif len(target_names) != len(labels):
        raise ValueError(f"target_names has {len(target_names)} names for {len(labels)} labels.")
    rows = []
    for label, name in zip(labels, target_names, strict=True):
        in_class = y_true == label
        total = int(in_class.sum())
        correct = int((y_pred[in_class] == label).sum())
        low, high = wilson_interval(correct, total, confidence)
        rows.append(
            {
                "class": str(name),
                "label": label.item() if isinstance(label, np.generic) else label,
                "correct": correct,
                "total": total,
                "accuracy": correct / total if total else math.nan,
                "ci_low": low,
                "ci_high": high,
            }
        )
    return rows


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "labels": ["array-like", None],
        "target_names": ["array-like", None],
        "n": [Interval(Integral, 1, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def most_confused_pairs(y_true, y_pred, *, labels=None, target_names=None, n=5):
    """The most frequent misclassifications: which class is taken for which, how often.

    The off-diagonal cells of the confusion matrix, largest first.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.

    y_pred : array-like of shape (n_samples,)
        Predicted labels.

    labels : array-like of shape (n_classes,), default=None
        The classes to consider, in this order (which also breaks ties). By default the
        sorted labels found in ``y_true`` or ``y_pred``.

    target_names : sequence of str, default=None
        Display names of ``labels``, in the same order, used in the rows instead of the
        labels.

    n : int or None, default=5
        Number of pairs returned at most; ``None`` for all.

    Returns
    -------
    rows : list of tuple
        ``(true, predicted, count)``: the true class, the class it was predicted as (labels
        as plain Python values, or their ``target_names``) and the number of such samples.
        Sorted by count, largest first, then by the position of the true and of the
        predicted class in ``labels``. Only pairs that occur (count > 0) are listed.

    See Also
    --------
    per_class_accuracy : The accuracy of each class.

    Examples
    --------
    >>> from skfmnist import most_confused_pairs
    >>> y_true = ["cat", "cat", "cat", "dog", "dog", "fox"]
    >>> y_pred = ["dog", "dog", "fox", "cat", "dog", "cat"]
    >>> most_confused_pairs(y_true, y_pred, n=3)
    [('cat', 'dog', 2), ('cat', 'fox', 1), ('dog', 'cat', 1)]
    """
    from sklearn.metrics import confusion_matrix

    y_true = column_or_1d(y_true)
    y_pred = column_or_1d(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true and y_pred have different lengths: {len(y_true)} and {len(y_pred)}."
        )
    labels = np.unique(np.concatenate([y_true, y_pred])) if labels is None else column_or_1d(labels)
    if target_names is None:
        names = [label.item() if isinstance(label, np.generic) else label for label in labels]
    elif len(target_names) != len(labels):
        raise ValueError(f"target_names has {len(target_names)} names for {len(labels)} labels.")
    else:
        names = [str(name) for name in target_names]
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    np.fill_diagonal(counts, 0)
    true, predicted = np.nonzero(counts)  # row-major: ordered by true, then predicted class
    # A stable sort on the count keeps that order among equal counts.
    order = np.argsort(-counts[true, predicted], kind="stable")[:n]
    return [
        (names[true[i]], names[predicted[i]], int(counts[true[i], predicted[i]])) for i in order
    ]
