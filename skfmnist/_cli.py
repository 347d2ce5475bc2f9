"""The command line: the main study (``python -m skfmnist``) and ``predict``.

TensorFlow-dependent modules are imported inside functions, after
``configure_tensorflow`` has applied the settings TensorFlow reads only once.
"""

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from ._cmdline import (
    configure_tensorflow,
    format_table,
    int_at_least,
    json_text,
    library_versions,
    stratified_subset,
)
from ._io import atomic_write_all
from ._persist import MODEL_SUFFIX

__all__ = ["main"]

PROG = "skfmnist"
DEFAULT_OUT = "generated_plots"
MODEL_FILE = "model" + MODEL_SUFFIX
METRICS_FILE = "metrics.json"
DEAD_THRESHOLD = 1e-4


class _CommandError(Exception):
    """A failure to report as one line on stderr, with exit status ``status``."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


def build_parser():
    """The argument parser of the ``skfmnist`` command."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Train the Fashion-MNIST MLP (PixelScaler + FashionMLP, the seed recipe), "
            "evaluate it on the 10,000 test images, analyse its hidden neurons and write "
            "plots, metrics.json and the fitted model to --out."
        ),
        epilog=f"To classify your own images with a saved model: {PROG} predict --help",
    )
    parser.add_argument(
        "--epochs",
        type=_epochs,
        default=150,
        help="maximum number of epochs (early stopping may end sooner; default: %(default)s)",
    )
    parser.add_argument(
        "--train-size",
        type=_n_images,
        default=None,
        metavar="N",
        help="train on a stratified random subset of N training images (default: all 60,000)",
    )
    parser.add_argument(
        "--random-state",
        type=_seed,
        default=0,
        metavar="SEED",
        help="seed of the weights, shuffling, validation split and subset (default: 0)",
    )
    parser.add_argument(
        "--threads",
        type=_threads,
        default=None,
        metavar="N",
        help="size of both TensorFlow thread pools (intra-op and inter-op; see "
        "skfmnist.set_tensorflow_threads). Default: TensorFlow's, one thread per core. "
        "This small network's operations split poorly: on 2 cores --threads 1 trains "
        "faster (about 1.2 s instead of 1.8 s per epoch) and leaves a core free; more "
        "threads pay off only for much wider networks or larger batches",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(DEFAULT_OUT),
        metavar="DIR",
        help="output folder, created if needed (default: %(default)s)",
    )
    parser.add_argument(
        "--data-home",
        default=None,
        metavar="DIR",
        help="folder of the Fashion-MNIST files (default: look in the usual places, "
        "download if missing)",
    )
    parser.add_argument(
        "--cv",
        type=_cv_folds,
        default=None,
        metavar="K",
        help="also run a K-fold cross-validation of the pipeline on the training images, "
        "reporting accuracy and neuron health (K >= 2; K more trainings)",
    )
    commands = parser.add_subparsers(dest="command", metavar="{predict}")
    predict = commands.add_parser(
        "predict",
        help="classify image files with a saved model",
        description=(
            "Classify PNG or JPEG images with a model saved by the main command. Each image "
            "is converted like Fashion-MNIST's: grey, article light on dark (a light "
            "background is inverted), trimmed, padded to a square and resized to 28x28."
        ),
    )
    predict.add_argument(
        "--model",
        type=Path,
        required=True,
        metavar="PATH",
        help=f"model file written by {PROG} (e.g. {DEFAULT_OUT}/{MODEL_FILE})",
    )
    predict.add_argument(
        "--top",
        type=_top,
        default=3,
        metavar="K",
        help="number of most probable classes shown per image (default: %(default)s)",
    )
    predict.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="image files")
    return parser


_epochs = int_at_least(1, "epochs")
_n_images = int_at_least(1, "training images")
_seed = int_at_least(0, "a seed")
_threads = int_at_least(1, "threads per pool")
_cv_folds = int_at_least(2, "folds")
_top = int_at_least(1, "classes shown")


def main(argv=None):
    """Run the ``skfmnist`` command.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments without the program name; by default ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 1 on a failure reported on stderr, 2 on a usage error, 130 when
        interrupted.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error argparse has reported
        return exc.code
    prog = f"{PROG} predict" if args.command == "predict" else PROG
    try:
        configure_tensorflow(getattr(args, "threads", None))
        if args.command == "predict":
            return _predict(args)
        return _run_study(args)
    except _CommandError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(
            f"{prog}: interrupted; files already in place were left as they were.", file=sys.stderr
        )
        return 130


# --- the study ---------------------------------------------------------------------------


def _run_study(args):
    from sklearn.metrics import accuracy_score

    from . import __version__
    from ._data import CLASS_NAMES, DataFileError, fetch_fashion_mnist
    from ._health import neuron_health
    from ._pipeline import make_fashion_pipeline
    from ._stats import per_class_accuracy

    started = time.perf_counter()
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _CommandError(f"cannot create the output folder {str(args.out)!r}: {exc}") from exc
    try:
        train = fetch_fashion_mnist(subset="train", data_home=args.data_home)
        test = fetch_fashion_mnist(subset="test", data_home=args.data_home)
    except (DataFileError, OSError) as exc:
        raise _CommandError(f"cannot load Fashion-MNIST: {exc}") from exc
    X, y = train.data, train.target
    try:
        X, y = stratified_subset(X, y, args.train_size, args.random_state)
    except ValueError as exc:
        raise _CommandError(f"--train-size: {exc}", status=2) from exc

    _say(
        f"skfmnist {__version__}: training on {len(y):,} Fashion-MNIST images, "
        f"testing on {len(test.target):,} (random_state={args.random_state})."
    )
    _say(
        f"Up to {args.epochs} epochs; early stopping restores the best epoch by validation "
        "accuracy. Outputs go to " + _display_dir(args.out)
    )
    pipe = make_fashion_pipeline(epochs=args.epochs, random_state=args.random_state)
    fit_started = time.perf_counter()
    pipe.fit(X, y, mlp__callbacks=[_progress_callback(args.epochs)])
    fit_seconds = time.perf_counter() - fit_started
    mlp = pipe[-1]
    epochs_run = len(mlp.history_["loss"])
    _say(f"Trained {epochs_run} epochs in {fit_seconds:.1f} s; kept epoch {mlp.best_epoch_}.")

    _say(f"Evaluating on {len(test.target):,} test images and analysing the hidden layer...")
    y_pred = pipe.predict(test.data)
    test_accuracy = float(accuracy_score(test.target, y_pred))
    labels = np.arange(len(CLASS_NAMES))
    rows = per_class_accuracy(test.target, y_pred, labels=labels, target_names=CLASS_NAMES)
    health = neuron_health(pipe, X, threshold=DEAD_THRESHOLD)
    cv = _cross_validate(args, X, y) if args.cv else None

    figures = _study_figures(train, test.target, y_pred, pipe, rows, health)
    metrics = {
        "test_accuracy": test_accuracy,
        "per_class": rows,
        "dead_neuron_count": health.n_dead,
        "dead_neuron_fraction": health.dead_fraction,
        "dead_neuron_threshold": health.threshold,
        "hidden_units": health.n_hidden,
        "activation_stats": _activation_stats(health),
        "epochs_run": epochs_run,
        "best_epoch": int(mlp.best_epoch_),
        "best_val_accuracy": _at_epoch(mlp.history_, "val_accuracy", mlp.best_epoch_),
        "final_learning_rate": _at_epoch(mlp.history_, "learning_rate", epochs_run),
        "fit_seconds": round(fit_seconds, 2),
        "total_seconds": None,  # filled in just before writing
        "random_state": args.random_state,
        "threads": args.threads,
        "train_size": len(y),
        "train_class_counts": np.bincount(y, minlength=len(CLASS_NAMES)).tolist(),
        "test_size": len(test.target),
        "parameters": _json_params(mlp.get_params()),
        "cv": cv,
        "history": mlp.history_,
        "model_file": MODEL_FILE,
        "files": [*figures, MODEL_FILE, METRICS_FILE],
        "versions": library_versions(),
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform()},
    }
    _write_outputs(args.out, figures, pipe, metrics, started)
    _print_summary(args, metrics, rows, health)
    return 0


def _progress_callback(total_epochs, *, n_folds=None):
    """A Keras callback printing one line per epoch (and a heading per fit with ``n_folds``)."""
    import keras

    width = len(str(total_epochs))
    state = {"fold": 0, "started": 0.0}
    shown = (
        ("loss", "loss"),
        ("accuracy", "acc"),
        ("val_loss", "val_loss"),
        ("val_accuracy", "val_acc"),
    )

    def on_train_begin(logs=None):
        state["fold"] += 1
        if n_folds is not None:
            _say(f"Cross-validation fold {state['fold']}/{n_folds}")

    def on_epoch_begin(epoch, logs=None):
        state["started"] = time.perf_counter()

    def on_epoch_end(epoch, logs=None):
        logs = logs or {}
        parts = [f"epoch {epoch + 1:>{width}}/{total_epochs}"]
        parts += [f"{name} {float(logs[key]):.4f}" for key, name in shown if key in logs]
        if "learning_rate" in logs:
            parts.append(f"lr {float(logs['learning_rate']):.1e}")
        parts.append(f"{time.perf_counter() - state['started']:.1f}s")
        _say("  ".join(parts))

    return keras.callbacks.LambdaCallback(
        on_train_begin=on_train_begin, on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end
    )


def _cross_validate(args, X, y):
    from sklearn.model_selection import cross_validate

    from ._health import neuron_health_scorer
    from ._pipeline import make_fashion_pipeline

    _say(f"{args.cv}-fold cross-validation on the {len(y):,} training images...")
    scores = cross_validate(
        make_fashion_pipeline(epochs=args.epochs, random_state=args.random_state),
        X,
        y,
        cv=args.cv,
        scoring={"accuracy": "accuracy", "neuron_health": neuron_health_scorer},
        params={"mlp__callbacks": [_progress_callback(args.epochs, n_folds=args.cv)]},
    )
    result = {"folds": args.cv}
    for name in ("accuracy", "neuron_health"):
        values = scores[f"test_{name}"]
        result[name] = {
            "mean": float(values.mean()),
            "std": float(values.std()),
            "per_fold": values.tolist(),
        }
    result["fit_seconds"] = [round(float(s), 2) for s in scores["fit_time"]]
    return result


def _study_figures(train, y_test, y_pred, pipe, rows, health):
    """File name -> Figure of every plot of the study."""
    from ._data import CLASS_NAMES
    from ._plots import (
        plot_activation_distribution,
        plot_confusion_matrix,
        plot_per_class_accuracy,
        plot_sample_images,
        plot_training_history,
    )

    samples = train.data[:25]
    scaled = pipe[:-1].transform(samples)
    labels = np.arange(len(CLASS_NAMES))
    return {
        "fashion_mnist_samples_raw.png": plot_sample_images(
            samples,
            train.target,
            target_names=CLASS_NAMES,
            value_range=(0, 255),
            title="Fashion-MNIST training images (raw pixels)",
            value_label="pixel value (0-255)",
        ),
        "fashion_mnist_samples_normalized.png": plot_sample_images(
            scaled,
            train.target,
            target_names=CLASS_NAMES,
            value_range=(0, 1),
            title="Fashion-MNIST training images (scaled by PixelScaler)",
            value_label="scaled value (0-1)",
        ),
        "training_history.png": plot_training_history(pipe),
        "activation_distribution.png": plot_activation_distribution(health),
        "per_category_accuracy.png": plot_per_class_accuracy(rows),
        "confusion_matrix.png": plot_confusion_matrix(
            y_test, y_pred, labels=labels, target_names=CLASS_NAMES
        ),
    }


def _write_outputs(out, figures, pipe, metrics, started):
    """Write every file, replacing an earlier run's only once all are written.

    Each file goes to a temporary file in ``out`` first; then all are renamed into place
    in one quick pass, metrics.json last (it marks a complete run). A failure or an
    interrupt while writing leaves the earlier files as they were, and no temporaries.
    """
    from ._persist import model_writer

    _say("Writing " + ", ".join([*figures, MODEL_FILE, METRICS_FILE]))

    def write_metrics(file):
        metrics["total_seconds"] = round(time.perf_counter() - started, 2)
        file.write(json_text(metrics).encode())

    files = [
        (out / name, lambda file, fig=fig: fig.savefig(file, format="png", dpi=100))
        for name, fig in figures.items()
    ]
    files += [(out / MODEL_FILE, model_writer(pipe)), (out / METRICS_FILE, write_metrics)]
    try:
        atomic_write_all(files)
    except OSError as exc:
        raise _CommandError(f"cannot write to {str(out)!r}: {exc}") from exc


def _print_summary(args, metrics, rows, health):
    summary = [
        ("test accuracy", f"{metrics['test_accuracy']:.4f}"),
        ("epochs run", f"{metrics['epochs_run']} (best epoch {metrics['best_epoch']}, restored)"),
        ("fit time", f"{metrics['fit_seconds']:.1f} s"),
        (
            f"dead neurons (max < {health.threshold:.0e})",
            f"{health.n_dead} of {health.n_hidden} ({health.dead_fraction:.1%})",
        ),
    ]
    if metrics["cv"] is not None:
        cv = metrics["cv"]
        for name in ("accuracy", "neuron_health"):
            summary.append(
                (
                    f"cv {name.replace('_', ' ')} ({cv['folds']} folds)",
                    f"{cv[name]['mean']:.4f} +- {cv[name]['std']:.4f}",
                )
            )
    _say("")
    _say(
        f"Summary: random_state={args.random_state}, {metrics['train_size']:,} training / "
        f"{metrics['test_size']:,} test images"
    )
    _say(format_table(summary, None, "<<"))
    _say("")
    per_class = [
        (
            r["class"],
            r["correct"],
            r["total"],
            f"{r['accuracy']:.3f}",
            f"{r['ci_low']:.3f}-{r['ci_high']:.3f}",
        )
        for r in rows
    ]
    _say(format_table(per_class, ("class", "correct", "total", "accuracy", "95% CI"), "<>>>>"))
    _say("")
    _say(f"Files in {_display_dir(args.out)}: {', '.join(metrics['files'])}")
    _say(f'Reload the model: skfmnist.load_model("{(args.out / MODEL_FILE).as_posix()}")')


def _activation_stats(health):
    return {
        "mean": health.mean,
        "std": health.std,
        "min": health.min,
        "max": health.max,
        "negative_fraction": health.negative_fraction,
        "percentiles": {str(q): v for q, v in health.percentiles.items()},
        "max_activation_min": float(health.max_activation.min()),
        "max_activation_median": float(np.median(health.max_activation)),
    }


def _at_epoch(history, key, epoch):
    values = history.get(key)
    return None if values is None else float(values[epoch - 1])


def _json_params(params):
    return {k: v for k, v in params.items() if v is None or isinstance(v, str | int | float)}


def _display_dir(path):
    return str(path).rstrip("/") + "/"


def _say(text):
    print(text, flush=True)


# --- predict -----------------------------------------------------------------------------


def _predict(args):
    from ._data import CLASS_NAMES
    from ._images import ImageFileError, load_image
    from ._persist import load_model

    try:
        model = load_model(args.model)
    except (FileNotFoundError, ValueError) as exc:
        raise _CommandError(f"cannot load the model: {exc}") from exc
    images, failed = {}, []
    for path in args.images:
        try:
            images[path] = load_image(path)
        except (FileNotFoundError, ImageFileError) as exc:
            print(f"{PROG} predict: error: {exc}", file=sys.stderr)
            failed.append(path)
    if images:
        X = np.stack(list(images.values())).reshape(len(images), -1)
        # scikeras 0.13 squeezes a single sample's probabilities to 1-D: restore the rows.
        proba = model.predict_proba(X).reshape(len(X), -1)
        classes = model.classes_
        names = [_class_name(c, CLASS_NAMES) for c in classes]
        top = min(args.top, len(classes))
        width = max(len(name) for name in names)
        for path, p in zip(images, proba, strict=True):
            _say(str(path))
            for rank, index in enumerate(np.argsort(-p, kind="stable")[:top], start=1):
                _say(f"  {rank:>{len(str(top))}}. {names[index]:<{width}}  {p[index]:6.1%}")
    return 1 if failed else 0


def _class_name(label, class_names):
    """Fashion-MNIST's name for integer labels 0-9, else the label itself."""
    if isinstance(label, np.integer | int) and 0 <= label < len(class_names):
        return class_names[label]
    return str(label)
