"""Tests for skfmnist._plots: what each figure shows, and that drawing it warns of nothing."""

import io

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from skfmnist import (
    CLASS_NAMES,
    FashionMLP,
    make_fashion_pipeline,
    neuron_health,
    per_class_accuracy,
    plot_activation_distribution,
    plot_confusion_matrix,
    plot_per_class_accuracy,
    plot_sample_images,
    plot_training_history,
)

# Matplotlib reports layout and scale problems as UserWarnings (attributed to the caller).
pytestmark = [
    pytest.mark.filterwarnings("error::UserWarning"),
    pytest.mark.filterwarnings("error::RuntimeWarning"),
]

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, (30, 28, 28), dtype=np.uint8)
LABELS = np.arange(30) % 10

HISTORY = {
    "loss": [0.9, 0.6, 0.5, 0.45, 0.44, 0.43],
    "accuracy": [0.6, 0.7, 0.8, 0.82, 0.83, 0.84],
    "val_loss": [0.7, 0.55, 0.5, 0.52, 0.53, 0.55],
    "val_accuracy": [0.65, 0.75, 0.81, 0.80, 0.80, 0.79],
    "learning_rate": [1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4],
}


def _png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _legend_texts(ax_or_fig):
    legends = ax_or_fig.legends if isinstance(ax_or_fig, Figure) else [ax_or_fig.get_legend()]
    return [text.get_text() for legend in legends for text in legend.get_texts()]


def test_sample_images_are_titled_with_class_names_and_have_a_colour_bar():
    fig = plot_sample_images(
        IMAGES, LABELS, target_names=CLASS_NAMES, value_range=(0, 255), value_label="pixel"
    )
    image_axes = [ax for ax in fig.axes if ax.images and ax.get_title()]
    assert len(image_axes) == 25
    assert [ax.get_title() for ax in image_axes] == [CLASS_NAMES[i % 10] for i in range(25)]
    np.testing.assert_array_equal(image_axes[7].images[0].get_array(), IMAGES[7])
    assert image_axes[0].images[0].get_clim() == (0, 255)
    colorbars = [ax for ax in fig.axes if ax.get_ylabel() == "pixel"]
    assert len(colorbars) == 1
    assert fig.get_suptitle() == "Fashion-MNIST samples"
    assert _png(fig).startswith(b"\x89PNG")


def test_sample_images_accept_flat_scaled_rows_and_default_to_their_range():
    flat = IMAGES[:9].reshape(9, -1) / 255
    fig = plot_sample_images(flat, LABELS[:9], n_images=9)
    image_axes = [ax for ax in fig.axes if ax.images]
    assert len(image_axes) == 9
    assert image_axes[0].get_title() == "0"
    assert image_axes[0].images[0].get_array().shape == (28, 28)
    assert image_axes[0].images[0].get_clim() == (flat.min(), flat.max())


def test_sample_images_reject_non_square_rows():
    with pytest.raises(ValueError, match="^Flat images need a square number of pixels; got 10.$"):
        plot_sample_images(np.zeros((2, 10)), [0, 1])


def test_training_history_shows_accuracy_loss_and_learning_rate_reductions():
    fig = plot_training_history(HISTORY, best_epoch=3)
    accuracy_ax, loss_ax, rate_ax = fig.axes
    assert [ax.get_title() for ax in fig.axes] == ["Accuracy", "Loss", "Learning rate"]
    assert [ax.get_xlabel() for ax in fig.axes] == ["Epoch"] * 3
    assert _legend_texts(accuracy_ax) == ["training", "validation", "best epoch 3"]
    np.testing.assert_array_equal(accuracy_ax.lines[1].get_ydata(), HISTORY["val_accuracy"])
    np.testing.assert_array_equal(loss_ax.lines[0].get_xdata(), [1, 2, 3, 4, 5, 6])
    assert rate_ax.get_yscale() == "log"
    reductions = rate_ax.lines[1]
    np.testing.assert_array_equal(reductions.get_xdata(), [4, 6])
    np.testing.assert_array_equal(reductions.get_ydata(), [5e-4, 2.5e-4])
    assert _legend_texts(rate_ax) == ["learning rate", "reduced (2x)", "best epoch 3"]
    for ax in fig.axes:
        assert ax.lines[-1].get_xdata() == [3, 3]  # the best-epoch line
    assert _png(fig).startswith(b"\x89PNG")


def test_training_history_without_validation_or_learning_rate_has_two_panels():
    history = {"loss": [0.9, 0.5], "accuracy": [0.6, 0.8]}
    fig = plot_training_history(history)
    assert [ax.get_title() for ax in fig.axes] == ["Accuracy", "Loss"]
    assert [_legend_texts(ax) for ax in fig.axes] == [["training"], ["training"]]
    _png(fig)


@pytest.fixture(scope="module")
def fitted():
    """A tiny fitted pipeline whose hidden unit 0 is forced dead."""
    X = RNG.integers(0, 256, (40, 784), dtype=np.uint8)
    pipe = make_fashion_pipeline(hidden_units=8, epochs=3, random_state=0).fit(X, np.arange(40) % 2)
    hidden = pipe[-1].model_.get_layer("hidden")
    kernel, bias = hidden.get_weights()
    kernel[:, 0], bias[0] = 0.0, -1.0
    hidden.set_weights([kernel, bias])
    return pipe, X


def test_training_history_reads_a_fitted_estimator(fitted):
    pipe, _ = fitted
    mlp = pipe[-1]
    for estimator in (pipe, mlp):
        fig = plot_training_history(estimator)
        assert len(fig.axes) == 3
        np.testing.assert_array_equal(fig.axes[1].lines[0].get_ydata(), mlp.history_["loss"])
        assert f"best epoch {mlp.best_epoch_}" in _legend_texts(fig.axes[0])


def test_activation_distribution_shows_histogram_and_dead_neurons(fitted):
    pipe, X = fitted
    report = neuron_health(pipe, X)
    assert report.n_dead == 1
    fig = plot_activation_distribution(report)
    hist_ax, max_ax = fig.axes
    assert hist_ax.get_xlabel() == "Activation"
    assert hist_ax.get_yscale() == "log"
    assert hist_ax.get_title().startswith("Hidden activations over 40 samples\n")
    assert max_ax.get_title() == "Per-neuron maximum: 1 of 8 dead (12.5%)"
    assert max_ax.get_yscale() == "symlog"
    alive, dead = max_ax.collections
    assert len(alive.get_offsets()) == 7 and len(dead.get_offsets()) == 1
    assert dead.get_offsets()[0][1] == pytest.approx(report.max_activation.min())
    assert max_ax.lines[0].get_ydata() == [1e-4, 1e-4]
    assert _legend_texts(max_ax) == ["alive", "dead", "dying threshold 1e-04"]
    low, high = max_ax.get_ylim()
    assert low < report.max_activation.min() and high > report.max_activation.max()
    _png(fig)


def test_per_class_accuracy_plot_sorts_classes_and_marks_best_and_worst():
    y_true = np.repeat([0, 1, 2], 10)
    y_pred = y_true.copy()
    y_pred[:3] = 1  # class 0: 7/10
    y_pred[10:11] = 0  # class 1: 9/10; class 2: 10/10
    rows = per_class_accuracy(y_true, y_pred, target_names=["a", "b", "c"])
    fig = plot_per_class_accuracy(rows)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]  # worst at the bottom
    bars = ax.patches
    assert [bar.get_width() for bar in bars] == [0.7, 0.9, 1.0]
    assert bars[0].get_facecolor()[:3] == to_rgba("tab:red")[:3]
    assert bars[2].get_facecolor()[:3] == to_rgba("tab:green")[:3]
    assert bars[1].get_facecolor()[:3] == to_rgba("tab:blue")[:3]
    assert _legend_texts(fig) == ["best: c", "worst: a", "overall: 0.867"]
    assert [t.get_text() for t in ax.texts] == ["0.700", "0.900", "1.000"]
    assert ax.get_xlabel() == "Accuracy (error bars: 95% Wilson interval)"
    assert ax.get_title() == "Test accuracy per class"
    _png(fig)


def test_per_class_accuracy_plot_leaves_out_classes_without_samples():
    rows = per_class_accuracy([0, 0], [0, 1], labels=[0], target_names=["a"])
    rows.append(dict(rows[0], **{"class": "empty", "total": 0, "correct": 0}))
    fig = plot_per_class_accuracy(rows)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["a"]


def test_confusion_matrix_shows_counts_with_class_names():
    y_true = [0, 0, 1, 2, 2, 2]
    y_pred = [0, 1, 1, 2, 2, 0]
    fig = plot_confusion_matrix(y_true, y_pred, target_names=["a", "b", "c"])
    ax, colorbar = fig.axes
    assert [t.get_text() for t in ax.texts] == ["1", "1", "0", "0", "1", "0", "1", "0", "2"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b", "c"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Predicted class", "True class")
    assert ax.get_title() == "Confusion matrix (6 samples)"
    assert colorbar.get_ylabel() == "Count"
    np.testing.assert_array_equal(ax.images[0].get_array(), [[1, 1, 0], [0, 1, 0], [1, 0, 2]])
    _png(fig)


def test_confusion_matrix_lists_classes_that_were_only_predicted():
    fig = plot_confusion_matrix([0, 0], [0, 3])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["0", "3"]


def test_figures_are_created_without_pyplot():
    fig = plot_confusion_matrix([0, 1], [0, 1])
    assert type(fig) is Figure
    # A pyplot figure would have a manager (and could open a window).
    assert fig.canvas.manager is None


def test_training_history_of_a_bare_mlp_without_validation_data():
    X = RNG.random((20, 16), dtype=np.float32)
    mlp = FashionMLP(
        hidden_units=4, epochs=2, validation_fraction=0.0, lr_patience=None, random_state=0
    ).fit(X, np.arange(20) % 2)
    fig = plot_training_history(mlp)
    assert _legend_texts(fig.axes[0]) == ["training", f"best epoch {mlp.best_epoch_}"]
