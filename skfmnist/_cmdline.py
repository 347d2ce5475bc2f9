"""Helpers shared by the command-line entry points (argument types, tables, JSON, TensorFlow).

Importing this module does not import TensorFlow or scikit-learn: ``configure_tensorflow``
must run before TensorFlow is first imported.
"""

import argparse
import contextlib
import json
import logging
import os
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from numbers import Integral

import numpy as np

from ._io import atomic_write

__all__ = [
    "VERSIONED_PACKAGES",
    "configure_tensorflow",
    "format_table",
    "int_at_least",
    "json_default",
    "library_versions",
    "print_table",
    "stratified_subset",
    "write_json",
]

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


def int_at_least(minimum, what):
    """An argparse ``type``: an integer of at least ``minimum``.

    Parameters
    ----------
    minimum : int
        The smallest value accepted.

    what : str
        What the value counts or is, for the error message, e.g. ``"epochs"``.

    Returns
    -------
    convert : callable
        ``convert(text) -> int``; raises ``argparse.ArgumentTypeError`` with the message
        ``"expected an integer >= {minimum} ({what}), got {text!r}"``, which argparse
        reports after the option's name with exit status 2.
    """

    def convert(text):
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {minimum} ({what}), got {text!r}"
            )
        return value

    return convert


def format_table(rows, headers, aligns):
    """Plain-text columns, indented by two spaces.

    Parameters
    ----------
    rows : iterable of sequences
        The cells of each row; each is shown with ``str``.

    headers : sequence of str or None
        Column headings, underlined with dashes; ``None`` for none.

    aligns : str
        One ``"<"`` (left) or ``">"`` (right) per column.

    Returns
    -------
    text : str
        The table, lines joined by newlines, without a final newline.

    Examples
    --------
    >>> print(format_table([("a", 1), ("bc", 22)], ("name", "n"), "<>"))
      name   n
      ----  --
      a      1
      bc    22
    """
    cells = [[str(c) for c in row] for row in ([headers] if headers else []) + list(rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(aligns))]
    lines = [
        "  ".join(f"{c:{a}{w}}" for c, a, w in zip(row, aligns, widths, strict=True)).rstrip()
        for row in cells
    ]
    if headers:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join("  " + line for line in lines)


def print_table(rows, headers, aligns):
    """Print :func:`format_table` to standard output (and flush it)."""
    print(format_table(rows, headers, aligns), flush=True)


def json_default(value):
    """``json.dumps(..., default=json_default)``: NumPy scalars and arrays as plain JSON."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def write_json(path, data):
    """Write ``data`` as indented JSON (NumPy values converted), atomically.

    Parameters
    ----------
    path : str or path-like
        Destination; its folder must exist. Replaced only by a complete new file.

    data : object
        Anything ``json.dumps`` serialises with :func:`json_default`.

    Returns
    -------
    path : pathlib.Path
        The file written.
    """
    # Serialised before the file is opened: an unserialisable value leaves nothing behind.
    content = json_text(data).encode()
    return atomic_write(path, lambda file: file.write(content))


def json_text(data):
    """The text :func:`write_json` writes: indented JSON with a final newline."""
    return json.dumps(data, indent=2, default=json_default) + "\n"


def configure_tensorflow(threads=None):
    """Apply the process-wide TensorFlow settings of a command, and import TensorFlow.

    TensorFlow reads its C++ log level when it is imported and sizes its thread pools
    when its runtime starts, once per process: commands call this first.

    Parameters
    ----------
    threads : int, default=None
        Size of both TensorFlow thread pools (intra-op and inter-op), through
        :func:`skfmnist.set_tensorflow_threads`; ``None`` keeps TensorFlow's defaults
        (one thread per core in each pool).
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
    if threads is not None:
        from ._threads import set_tensorflow_threads

        set_tensorflow_threads(intra_op=threads, inter_op=threads)


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


def library_versions(packages=VERSIONED_PACKAGES):
    """Installed versions of ``packages`` (``None`` if not installed) and of Python.

    Parameters
    ----------
    packages : iterable of str, default=VERSIONED_PACKAGES
        Distribution names, as ``pip`` knows them.

    Returns
    -------
    versions : dict
        Package name -> version string or ``None``, then ``"python"`` -> its version.
    """
    versions = {}
    for name in packages:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    versions["python"] = platform.python_version()
    return versions


def stratified_subset(X, y, train_size, random_state=None):
    """A random subset of ``train_size`` samples with the class proportions of ``y``.

    The subset is scikit-learn's ``train_test_split(X, y, train_size=train_size,
    stratify=y, random_state=random_state)`` training part; ``X`` and ``y`` come back
    unchanged (same objects, same order) when ``train_size`` is ``None`` or ``len(y)``.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Samples.

    y : array-like of shape (n_samples,)
        Class labels.

    train_size : int or None
        Number of samples to keep, from the number of classes to ``n_samples``; the
        samples left out must also number at least one per class (or none).

    random_state : int, RandomState instance or None, default=None
        Seed of the random draw; an int gives the same subset every time.

    Returns
    -------
    X_subset : array-like of shape (train_size, ...)
        The chosen samples, in random order.

    y_subset : ndarray of shape (train_size,)
        Their labels.

    Raises
    ------
    ValueError
        If ``train_size`` is not an integer, or cannot give a stratified subset of
        ``y``; the message says why.

    Examples
    --------
    >>> import numpy as np
    >>> from skfmnist import stratified_subset
    >>> X = np.arange(100).reshape(50, 2)
    >>> y = np.repeat([0, 1], [40, 10])
    >>> X_sub, y_sub = stratified_subset(X, y, 10, random_state=0)
    >>> X_sub.shape, np.bincount(y_sub).tolist()
    ((10, 2), [8, 2])
    """
    n_samples = len(y)
    if train_size is None or (
        isinstance(train_size, Integral)
        and not isinstance(train_size, bool)
        and train_size == n_samples
    ):
        return X, y
    if not isinstance(train_size, Integral) or isinstance(train_size, bool):
        raise ValueError(f"train_size must be an integer or None, got {train_size!r}.")
    if len(X) != n_samples:
        raise ValueError(f"X and y have different lengths: {len(X)} and {n_samples}.")
    n_classes = len(np.unique(y))
    if train_size > n_samples:
        raise ValueError(f"train_size={train_size} exceeds the {n_samples:,} samples.")
    if train_size < n_classes:
        raise ValueError(
            f"train_size={train_size} is below the number of classes ({n_classes}); a "
            "stratified subset needs at least one sample per class."
        )
    if n_samples - train_size < n_classes:
        raise ValueError(
            f"train_size={train_size} leaves out {n_samples - train_size} of the "
            f"{n_samples:,} samples, fewer than the {n_classes} classes; a stratified "
            f"subset leaves out at least one sample per class, or none "
            f"(train_size={n_samples})."
        )
    from sklearn.model_selection import train_test_split

    X_subset, _, y_subset, _ = train_test_split(
        X, y, train_size=train_size, stratify=y, random_state=random_state
    )
    return X_subset, y_subset
