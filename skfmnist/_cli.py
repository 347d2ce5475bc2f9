"""The command line: the main study (``python -m skfmnist``) and ``predict``.

TensorFlow-dependent modules are imported inside functions, after
``_configure_tensorflow`` has applied the settings TensorFlow reads only once.
"""

import argparse
import contextlib
import json
import logging
import os
import platform
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np

from ._persist import MODEL_SUFFIX, atomic_write

__all__ = ["main"]

PROG = "skfmnist"
DEFAULT_OUT = "generated_plots"
MODEL_FILE = "model" + MODEL_SUFFIX
METRICS_FILE = "metrics.json"
DEAD_THRESHOLD = 1e-4
VERSIONED_PACKAGES = (
    "skfmnist",
    "tensorflow",
    "keras",
    "scikeras",
    "scikit-learn",
    "numpy",
    "matplotlib",
    "pillow",
)


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
        type=_positive_int,
        default=150,
        help="maximum number of epochs (early stopping may end sooner; default: %(default)s)",
    )
    parser.add_argument(
        "--train-size",
        type=_positive_int,
        default=None,
        metavar="N",
        help="train on a stratified random subset of N training images (default: all 60,000)",
    )
    parser.add_argument(
        "--random-state",
        type=int,
        default=0,
        metavar="SEED",
        help="seed of the weights, shuffling, validation split and subset (default: 0)",
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
        type=_positive_int,
        default=3,
        metavar="K",
        help="number of most probable classes shown per image (default: %(default)s)",
    )
    predict.add_argument("images", nargs="+", type=Path, metavar="IMAGE", help="image files")
    return parser


def _int_at_least(minimum, message):
    """An argparse type: an integer >= ``minimum``, else ``message`` (with ``{text}``)."""

    def convert(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(message.format(text=text))
        return value

    return convert


_positive_int = _int_at_least(1, "must be a positive integer, got {text!r}")
_cv_folds = _int_at_least(2, "needs an integer of at least 2 folds, got {text!r}")


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
        _configure_tensorflow(args)
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


def _configure_tensorflow(args):
    """Apply the process-wide TensorFlow settings; runs before TensorFlow is imported.

    TensorFlow reads its logging (and threading) settings once, when it is imported or its
    runtime starts: command-line settings of that kind must be applied here.
    """
    # Quiet by default; an explicit TF_CPP_MIN_LOG_LEVEL in the environment wins. TF's C++
    # errors on this stack are harmless notices (no CUDA driver, a tf.data attribute it
    # does not know); real failures reach Python as exceptions.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    # Keras retraces a tf.function per new model; with --cv TensorFlow warns about it.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    if "tensorflow" not in sys.modules and os.environ["TF_CPP_MIN_LOG_LEVEL"] not in ("", "0"):
        # TensorFlow 2.21 logs INFO lines while loading, before its log level is read
        # (absl's "before absl::InitializeLog()" notice): hide native stderr meanwhile.
        with _native_stderr_silenced():
            import tensorflow  # noqa: F401


@contextlib.contextmanager
def _native_stderr_silenced():
    """Point file descriptor 2 at /dev/null, for C++ code that bypasses ``sys.stderr``."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


# --- the study ---------------------------------------------------------------------------


def _run_study(args):
    from sklearn.metrics import accuracy_score

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
    if args.train_size is not None and args.train_size != len(y):
        X, y = _stratified_subset(X, y, args.train_size, args.random_state)

    _say(
        f"skfmnist {_version('skfmnist')}: training on {len(y):,} Fashion-MNIST images, "
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
        "train_size": len(y),
        "test_size": len(test.target),
        "parameters": _json_params(mlp.get_params()),
        "cv": cv,
        "history": mlp.history_,
        "model_file": MODEL_FILE,
        "files": [*figures, MODEL_FILE, METRICS_FILE],
        "versions": {name: _version(name) for name in VERSIONED_PACKAGES}
        | {"python": platform.python_version()},
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform()},
    }
    _write_outputs(args.out, figures, pipe, metrics, started)
    _print_summary(args, metrics, rows, health)
    return 0


def _stratified_subset(X, y, train_size, random_state):
    from sklearn.model_selection import train_test_split

    if train_size > len(y):
        raise _CommandError(
            f"--train-size {train_size} exceeds the {len(y):,} training images.", status=2
        )
    n_classes = len(np.unique(y))
    if train_size < n_classes:
        raise _CommandError(
            f"--train-size {train_size} is below the number of classes ({n_classes}); a "
            "stratified subset needs at least one image per class.",
            status=2,
        )
    try:
        X, _, y, _ = train_test_split(
            X, y, train_size=train_size, stratify=y, random_state=random_state
        )
    except ValueError as exc:  # e.g. fewer images left out than there are classes
        raise _CommandError(f"--train-size {train_size}: {exc}", status=2) from exc
    return X, y


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
    """Write every file atomically, metrics.json last: it marks a complete run."""
    from ._persist import save_model

    _say("Writing " + ", ".join([*figures, MODEL_FILE, METRICS_FILE]))
    try:
        for name, fig in figures.items():
            atomic_write(out / name, lambda file, fig=fig: fig.savefig(file, format="png", dpi=100))
        save_model(pipe, out / MODEL_FILE)
        metrics["total_seconds"] = round(time.perf_counter() - started, 2)
        text = json.dumps(metrics, indent=2, default=_json_default) + "\n"
        atomic_write(out / METRICS_FILE, lambda file: file.write(text.encode()))
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
    _say(_table(summary, None, "<<"))
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
    _say(_table(per_class, ("class", "correct", "total", "accuracy", "95% CI"), "<>>>>"))
    _say("")
    _say(f"Files in {_display_dir(args.out)}: {', '.join(metrics['files'])}")
    _say(f'Reload the model: skfmnist.load_model("{(args.out / MODEL_FILE).as_posix()}")')


def _table(rows, headers, aligns):
    """Plain-text columns; ``aligns`` holds one "<" or ">" per column."""
    cells = [[str(c) for c in row] for row in ([headers] if headers else []) + list(rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(aligns))]
    lines = [
        "  ".join(f"{c:{a}{w}}" for c, a, w in zip(row, aligns, widths, strict=True)).rstrip()
        for row in cells
    ]
    if headers:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join("  " + line for line in lines)


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


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _version(name):
    try:
        return version(name)
    except PackageNotFoundError:
        return None


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
