"""Confidence intervals for accuracies and the per-class accuracy table."""

import math
import warnings
from numbers import Integral, Real
from statistics import NormalDist

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import column_or_1d

__all__ = ["per_class_accuracy", "wilson_interval"]


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
