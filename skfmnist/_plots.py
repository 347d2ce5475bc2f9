"""Figures of the study, built with matplotlib's object API.

Every function returns a :class:`matplotlib.figure.Figure` created directly, without
``pyplot``: no global figure state, no GUI backend, no windows. Save one with
``fig.savefig(path)`` (PNG is rendered by Agg) or show it in a notebook by evaluating it.
"""

import math

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from sklearn.metrics import confusion_matrix
from sklearn.pipeline import Pipeline

__all__ = [
    "plot_activation_distribution",
    "plot_confusion_matrix",
    "plot_per_class_accuracy",
    "plot_sample_images",
    "plot_training_history",
]

_BEST_COLOR = "tab:green"
_WORST_COLOR = "tab:red"
_OTHER_COLOR = "tab:blue"


def _figure(nrows, ncols, *, figsize, **subplot_kw):
    """A constrained-layout Figure with an ``nrows x ncols`` array of axes."""
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, subplot_kw=subplot_kw)
    return fig, axes


def _names(labels, target_names):
    if target_names is None:
        return [str(label) for label in labels]
    return [str(name) for name in target_names]


def plot_sample_images(
    images,
    y,
    *,
    target_names=None,
    n_images=25,
    value_range=None,
    title="Fashion-MNIST samples",
    value_label="pixel value",
):
    """Show the first images in a square grid, titled with their class, with a colour bar.

    Parameters
    ----------
    images : array-like of shape (n_samples, height, width) or (n_samples, n_pixels)
        Grey images; flat rows must have a square number of pixels.

    y : array-like of shape (n_samples,)
        Labels of the images; with ``target_names``, integer indices into it.

    target_names : sequence of str, default=None
        Class names indexed by label. By default the labels themselves are shown.

    n_images : int, default=25
        Number of images shown (the first ones), laid out in a square-ish grid.

    value_range : tuple of (float, float), default=None
        Range of the colour scale, e.g. ``(0, 255)`` or ``(0, 1)``; by default the minimum
        and maximum of the images shown.

    title : str, default="Fashion-MNIST samples"
        Figure title.

    value_label : str, default="pixel value"
        Label of the colour bar.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure.
    """
    images = np.asarray(images)[:n_images]
    y = np.asarray(y)[: len(images)]
    if images.ndim == 2:
        side = math.isqrt(images.shape[1])
        if side * side != images.shape[1]:
            raise ValueError(f"Flat images need a square number of pixels; got {images.shape[1]}.")
        images = images.reshape(len(images), side, side)
    if value_range is None:
        value_range = (float(images.min()), float(images.max()))
    n_cols = math.ceil(math.sqrt(len(images)))
    n_rows = math.ceil(len(images) / n_cols)
    fig, axes = _figure(n_rows, n_cols, figsize=(1.5 * n_cols + 1.2, 1.6 * n_rows + 0.5))
    for ax in axes.flat:
        ax.set_axis_off()
    for ax, image, label in zip(axes.flat, images, y, strict=False):
        shown = ax.imshow(image, cmap="gray", vmin=value_range[0], vmax=value_range[1])
        ax.set_title(str(target_names[label]) if target_names is not None else str(label), size=9)
    fig.colorbar(shown, ax=axes, shrink=0.6, label=value_label)
    fig.suptitle(title)
    return fig


def plot_training_history(history, *, best_epoch=None):
    """Training (and validation) accuracy and loss per epoch, and the learning rate.

    Parameters
    ----------
    history : dict or fitted FashionMLP or Pipeline
        A dict of per-epoch lists with ``"accuracy"`` and ``"loss"`` and optionally
        ``"val_accuracy"``, ``"val_loss"`` and ``"learning_rate"`` (as in
        ``FashionMLP.history_``), or a fitted estimator whose ``history_`` and
        ``best_epoch_`` are used.

    best_epoch : int, default=None
        The 1-based epoch whose weights were restored, marked on every panel. Taken from
        the estimator when ``history`` is one.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Two panels (accuracy, loss), three with a ``"learning_rate"`` key; learning-rate
        reductions are marked on a log scale.
    """
    if isinstance(history, Pipeline):
        history = history[-1]
    if not isinstance(history, dict):
        estimator = history
        history = estimator.history_
        if best_epoch is None:
            best_epoch = getattr(estimator, "best_epoch_", None)
    panels = [("accuracy", "Accuracy"), ("loss", "Loss")]
    if "learning_rate" in history:
        panels.append(("learning_rate", "Learning rate"))
    fig, axes = _figure(1, len(panels), figsize=(5 * len(panels), 4))
    epochs = np.arange(1, len(history["loss"]) + 1)
    for ax, (key, name) in zip(axes.flat, panels, strict=True):
        if key == "learning_rate":
            rate = np.asarray(history[key])
            ax.plot(epochs, rate, color="tab:purple", label="learning rate")
            reduced = np.flatnonzero(rate[1:] < rate[:-1]) + 1
            if reduced.size:
                ax.plot(
                    epochs[reduced],
                    rate[reduced],
                    "v",
                    color=_WORST_COLOR,
                    label=f"reduced ({reduced.size}x)",
                )
            ax.set_yscale("log")
        else:
            ax.plot(epochs, history[key], label="training")
            if f"val_{key}" in history:
                ax.plot(epochs, history[f"val_{key}"], label="validation")
        if best_epoch is not None:
            ax.axvline(best_epoch, color="grey", linestyle="--", label=f"best epoch {best_epoch}")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Epoch")
        ax.set_ylabel(name)
        ax.set_title(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle("Training history")
    return fig


def plot_activation_distribution(report):
    """Histogram of hidden activations and each neuron's maximum, with the dying threshold.

    Parameters
    ----------
    report : Bunch
        The result of :func:`neuron_health`.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Left: the distribution of all activations (log-scaled counts). Right: every
        neuron's maximum activation, sorted, on a symmetric log scale, with the threshold
        drawn and dead neurons in red.
    """
    fig, axes = _figure(1, 2, figsize=(12, 4.5))
    hist_ax, max_ax = axes.flat
    counts, edges = report.histogram
    hist_ax.stairs(counts, edges, fill=True, alpha=0.7)
    hist_ax.set_yscale("log")
    hist_ax.axvline(0, color="grey", linewidth=0.8)
    hist_ax.set_xlabel("Activation")
    hist_ax.set_ylabel("Count (log scale)")
    hist_ax.set_title(
        f"Hidden activations over {report.n_samples:,} samples\n"
        f"mean {report.mean:.3g}, median {report.percentiles[50]:.3g}, "
        f"{report.negative_fraction:.1%} negative"
    )

    order = np.argsort(report.max_activation)
    sorted_max = report.max_activation[order]
    dead = report.dead[order]
    rank = np.arange(1, report.n_hidden + 1)
    max_ax.scatter(rank[~dead], sorted_max[~dead], s=8, color=_OTHER_COLOR, label="alive")
    if dead.any():
        max_ax.scatter(rank[dead], sorted_max[dead], s=12, color=_WORST_COLOR, label="dead")
    max_ax.axhline(
        report.threshold,
        color=_WORST_COLOR,
        linestyle="--",
        label=f"dying threshold {report.threshold:.0e}",
    )
    # Linear within +-threshold/10 only, so that the threshold itself sits on the log part.
    linthresh = abs(report.threshold) / 10 or 1e-6
    max_ax.set_yscale("symlog", linthresh=linthresh)
    # symlog's autoscaling leaves no margin: pad by a factor 3 in the logarithmic parts.
    low = min(float(sorted_max[0]), report.threshold, 0.0)
    high = max(float(sorted_max[-1]), report.threshold)
    max_ax.set_ylim(low * 3 if low < -linthresh else -linthresh, high * 3)
    max_ax.set_xlabel("Neuron (sorted by maximum activation)")
    max_ax.set_ylabel("Maximum activation (symlog scale)")
    max_ax.set_title(
        f"Per-neuron maximum: {report.n_dead} of {report.n_hidden} dead "
        f"({report.dead_fraction:.1%})"
    )
    max_ax.grid(alpha=0.3)
    max_ax.legend(loc="lower right")
    fig.suptitle("Hidden-layer activations")
    return fig


def plot_per_class_accuracy(rows, *, confidence=0.95, title="Test accuracy per class"):
    """Accuracy per class with confidence intervals, sorted, best and worst marked.

    Parameters
    ----------
    rows : list of dict
        The result of :func:`per_class_accuracy`. Classes without samples are left out.

    confidence : float, default=0.95
        The confidence level ``rows`` were computed with, for the legend.

    title : str, default="Test accuracy per class"
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Horizontal bars, best class on top, with the overall accuracy as a dashed line.
    """
    rows = sorted((r for r in rows if r["total"]), key=lambda r: r["accuracy"])
    if not rows:
        raise ValueError("No class has samples to plot.")
    accuracy = np.array([r["accuracy"] for r in rows])
    errors = np.array(
        [[r["accuracy"] - r["ci_low"] for r in rows], [r["ci_high"] - r["accuracy"] for r in rows]]
    )
    colors = [_OTHER_COLOR] * len(rows)
    colors[0], colors[-1] = _WORST_COLOR, _BEST_COLOR
    fig, axes = _figure(1, 1, figsize=(8, 0.45 * len(rows) + 1.6))
    ax = axes[0, 0]
    positions = np.arange(len(rows))
    ax.barh(positions, accuracy, xerr=errors, color=colors, capsize=3, alpha=0.85)
    for position, row in zip(positions, rows, strict=True):
        ax.text(row["ci_high"] + 0.005, position, f"{row['accuracy']:.3f}", va="center", size=8)
    overall = sum(r["correct"] for r in rows) / sum(r["total"] for r in rows)
    ax.axvline(overall, color="black", linestyle="--", linewidth=1)
    ax.set_yticks(positions, [r["class"] for r in rows])
    low = min(r["ci_low"] for r in rows)
    ax.set_xlim(max(0.0, low - 0.05), 1.04)
    ax.set_xlabel(f"Accuracy (error bars: {confidence:.0%} Wilson interval)")
    ax.set_ylabel("Class")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    fig.legend(
        handles=[
            Patch(color=_BEST_COLOR, label=f"best: {rows[-1]['class']}"),
            Patch(color=_WORST_COLOR, label=f"worst: {rows[0]['class']}"),
            Line2D([], [], color="black", linestyle="--", label=f"overall: {overall:.3f}"),
        ],
        loc="outside lower center",
        ncols=3,
        fontsize=9,
    )
    return fig


def plot_confusion_matrix(y_true, y_pred, *, labels=None, target_names=None):
    """Confusion matrix of counts with class names on both axes.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.

    y_pred : array-like of shape (n_samples,)
        Predicted labels.

    labels : array-like of shape (n_classes,), default=None
        Classes in display order; by default the sorted union of both label arrays.

    target_names : sequence of str, default=None
        Display names of ``labels``.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Rows are true classes, columns predicted ones; each cell shows its count.
    """
    if labels is None:
        labels = np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_pred)]))
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    names = _names(labels, target_names)
    size = 1.5 + 0.6 * len(names)
    fig, axes = _figure(1, 1, figsize=(size + 1.5, size))
    ax = axes[0, 0]
    shown = ax.imshow(counts, cmap="Blues")
    fig.colorbar(shown, ax=ax, label="Count")
    dark = counts > counts.max() / 2
    for (i, j), count in np.ndenumerate(counts):
        color = "white" if dark[i, j] else "black"
        ax.text(j, i, str(count), ha="center", va="center", size=8, color=color)
    ticks = np.arange(len(names))
    ax.set_xticks(ticks, names, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(ticks, names)
    ax.set_xlabel("Predicted class")
    ax.set_ylabel("True class")
    ax.set_title(f"Confusion matrix ({counts.sum():,} samples)")
    return fig
