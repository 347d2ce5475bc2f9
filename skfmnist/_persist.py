"""Saving a fitted pipeline to one file that loads without running code.

The file is a zip archive with two members:

``pipeline.json``
    Everything but the network: the pipeline's step names and classes, ``PixelScaler``'s
    number of features, ``FashionMLP``'s parameters, classes (with their dtype), input shape
    and dtypes, training history and best epoch.
``model.keras``
    The Keras network in Keras' own ``.keras`` format (JSON configuration and HDF5 weights),
    loaded with ``safe_mode=True``.

Neither member is a pickle, so loading a file from an untrusted source runs no code from
it. (``pickle``/``joblib`` also work on these estimators, but loading such a file runs
whatever code it contains.)
"""

import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ._io import atomic_write
from ._scaler import PixelScaler

__all__ = ["MODEL_SUFFIX", "load_model", "model_writer", "save_model"]

MODEL_SUFFIX = ".skfmnist"

_FORMAT = "skfmnist-model"
_FORMAT_VERSION = 1
_JSON_MEMBER = "pipeline.json"
_KERAS_MEMBER = "model.keras"


def save_model(estimator, path):
    """Save a fitted pipeline (or a bare ``FashionMLP``) to one file, atomically.

    The file is a zip archive holding ``pipeline.json`` and the network in Keras' ``.keras``
    format; it contains no pickle, so :func:`load_model` runs no code from the file. The
    conventional suffix is ``.skfmnist``. The file is written to a temporary name and
    renamed into place, so an existing file is replaced only by a complete new one.

    Parameters
    ----------
    estimator : Pipeline or FashionMLP
        A fitted ``FashionMLP``, or a fitted pipeline whose steps are ``PixelScaler``
        and, last, ``FashionMLP`` (as built by :func:`make_fashion_pipeline`).

    path : str or path-like
        Destination file. Its folder must exist.

    Returns
    -------
    path : pathlib.Path
        The file written.

    See Also
    --------
    load_model : Load the saved pipeline.

    Examples
    --------
    >>> import numpy as np
    >>> from skfmnist import load_model, make_fashion_pipeline, save_model
    >>> X = np.random.default_rng(0).integers(0, 256, (40, 784), dtype=np.uint8)
    >>> y = np.arange(40) % 2
    >>> pipe = make_fashion_pipeline(hidden_units=8, epochs=1, random_state=0).fit(X, y)
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "model.skfmnist"
    >>> loaded = load_model(save_model(pipe, path))
    >>> bool(np.array_equal(loaded.predict_proba(X), pipe.predict_proba(X)))
    True
    """
    writer = model_writer(estimator)
    return atomic_write(path, writer)


def model_writer(estimator):
    """A function ``write(file)`` that writes the model file of ``estimator`` to ``file``.

    For writing the model together with other files (``atomic_write_all``). The estimator
    is checked now (TypeError, NotFittedError); the network is serialised when ``write``
    is called.
    """
    steps = _describe_steps(estimator)
    mlp = estimator[-1] if isinstance(estimator, Pipeline) else estimator
    document = {
        "format": _FORMAT,
        "format_version": _FORMAT_VERSION,
        "pipeline": isinstance(estimator, Pipeline),
        "steps": steps,
    }

    def write(file):
        with tempfile.TemporaryDirectory(prefix="skfmnist-save-") as tmp:
            # Keras writes .keras files by path only (the suffix selects the format).
            keras_path = Path(tmp) / _KERAS_MEMBER
            mlp.model_.save(keras_path)
            with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(_JSON_MEMBER, json.dumps(document, indent=1))
                archive.write(keras_path, _KERAS_MEMBER)

    return write


def load_model(path):
    """Load a pipeline saved by :func:`save_model`.

    Runs no code from the file: the archive holds JSON and a Keras ``.keras`` network,
    which is loaded with ``safe_mode=True``. The estimator returned predicts exactly as
    the one saved (same ``predict_proba`` values, same classes and label dtype).

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.

    Returns
    -------
    estimator : Pipeline or FashionMLP
        The fitted estimator, of the kind that was saved.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ValueError
        If the file is not a skfmnist model file, is corrupt or malformed (the message
        names the file and the problem), or was written by a newer version of skfmnist.

    See Also
    --------
    save_model : Save a fitted pipeline.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No skfmnist model file at {str(path)!r}.")
    try:
        with zipfile.ZipFile(path) as archive:
            document = json.loads(archive.read(_JSON_MEMBER))
            keras_bytes = archive.read(_KERAS_MEMBER)
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, EOFError, OSError) as exc:
        raise ValueError(
            f"{str(path)!r} is not a valid skfmnist model file (a zip archive with "
            f"{_JSON_MEMBER} and {_KERAS_MEMBER}): {exc}"
        ) from exc
    _check_document(document, path)
    try:
        network = _load_keras(keras_bytes)
    except Exception as exc:
        raise ValueError(f"{str(path)!r} holds a corrupt Keras network: {exc}") from exc

    steps = []
    for index, step in enumerate(document["steps"]):
        if step["class"] == "PixelScaler":
            n_features = step["n_features_in"]
            estimator = PixelScaler().fit(np.zeros((1, n_features), dtype=np.uint8))
        else:
            try:
                estimator = _rebuild_mlp(step, network)
            except (TypeError, ValueError) as exc:  # parameters or dtypes FashionMLP rejects
                raise _malformed(path, f"steps[{index}] cannot be rebuilt: {exc}") from exc
        steps.append((step["name"], estimator))
    if document["pipeline"]:
        return Pipeline(steps)
    return steps[0][1]


def _describe_steps(estimator):
    """The JSON description of each step; TypeError for anything this format cannot hold."""
    # Imported here, not at the top: atomic_write must not pull in TensorFlow.
    from ._mlp import FashionMLP

    if isinstance(estimator, Pipeline):
        named = list(estimator.steps)
    else:
        named = [("mlp", estimator)]
    if not isinstance(named[-1][1], FashionMLP):
        raise TypeError(
            "save_model saves a FashionMLP or a pipeline ending in one; got "
            f"{type(named[-1][1]).__name__}. Use pickle or joblib for other estimators "
            "(and load such files only from trusted sources)."
        )
    described = []
    for name, step in named:
        if isinstance(step, FashionMLP):
            if step is not named[-1][1]:
                raise TypeError("save_model supports a FashionMLP only as the last step.")
            check_is_fitted(step, "model_")
            described.append(_describe_mlp(name, step))
        elif isinstance(step, PixelScaler):
            check_is_fitted(step)
            described.append(
                {"name": name, "class": "PixelScaler", "n_features_in": int(step.n_features_in_)}
            )
        else:
            raise TypeError(
                f"save_model supports pipelines of PixelScaler and FashionMLP; step {name!r} "
                f"is a {type(step).__name__}. Use pickle or joblib for other pipelines (and "
                "load such files only from trusted sources)."
            )
    return described


def _describe_mlp(name, mlp):
    params = {}
    for key, value in mlp.get_params(deep=False).items():
        if isinstance(value, np.random.RandomState | np.random.Generator):
            # A generator's state only matters for training, and JSON cannot hold it.
            value = None
        elif isinstance(value, np.generic):
            value = value.item()
        params[key] = value
    return {
        "name": name,
        "class": "FashionMLP",
        "params": params,
        "classes": mlp.classes_.tolist(),
        "y_dtype": np.dtype(mlp.y_dtype_).str,
        "X_dtype": np.dtype(mlp.X_dtype_).str,
        "X_shape": list(mlp.X_shape_[1:]),
        "history": getattr(mlp, "history_", None),
        "best_epoch": getattr(mlp, "best_epoch_", None),
    }


def _check_document(document, path):
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        raise ValueError(f"{str(path)!r} is not a skfmnist model file (format is not {_FORMAT}).")
    version = document.get("format_version")
    if not isinstance(version, int) or version > _FORMAT_VERSION:
        raise ValueError(
            f"{str(path)!r} has model format version {version!r}; this skfmnist reads "
            f"version {_FORMAT_VERSION} and older. Upgrade skfmnist to load it."
        )
    _check_fields(document, _DOCUMENT_FIELDS, "", path)
    steps = document["steps"]
    if not steps:
        raise _malformed(path, "'steps' is empty")
    for index, step in enumerate(steps):
        where = f"steps[{index}]"
        if not isinstance(step, dict):
            raise _malformed(path, f"{where} must be an object, got {type(step).__name__}")
        _check_fields(step, _STEP_FIELDS, where, path)
        fields = _CLASS_FIELDS.get(step["class"])
        if fields is None:
            raise _malformed(
                path,
                f"{where} has the unknown class {step['class']!r} (expected one of "
                f"{', '.join(_CLASS_FIELDS)})",
            )
        _check_fields(step, fields, where, path)
        if step["class"] == "FashionMLP" and index != len(steps) - 1:
            raise _malformed(path, f"{where} is a FashionMLP but not the last step")
    if steps[-1]["class"] != "FashionMLP":
        raise _malformed(path, "the last step is not a FashionMLP")
    if not document["pipeline"] and len(steps) != 1:
        raise _malformed(path, f"a bare FashionMLP has 1 step, not {len(steps)}")


# The JSON types of pipeline.json's fields (bool is not an int here, though it is in Python).
_DOCUMENT_FIELDS = {"pipeline": (bool,), "steps": (list,)}
_STEP_FIELDS = {"name": (str,), "class": (str,)}
_CLASS_FIELDS = {
    "PixelScaler": {"n_features_in": (int,)},
    "FashionMLP": {
        "params": (dict,),
        "classes": (list,),
        "y_dtype": (str,),
        "X_dtype": (str,),
        "X_shape": (list,),
        "history": (dict, type(None)),
        "best_epoch": (int, type(None)),
    },
}
_JSON_NAMES = {
    bool: "a boolean",
    int: "an integer",
    str: "a string",
    list: "a list",
    dict: "an object",
    type(None): "null",
}


def _check_fields(mapping, fields, where, path):
    for key, types in fields.items():
        name = f"{where}[{key!r}]" if where else repr(key)
        if key not in mapping:
            raise _malformed(path, f"{name} is missing")
        value = mapping[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            expected = " or ".join(_JSON_NAMES[t] for t in types)
            raise _malformed(path, f"{name} must be {expected}, got {json.dumps(value)}")


def _malformed(path, problem):
    return ValueError(
        f"{str(path)!r} is a malformed skfmnist model file: {_JSON_MEMBER}: {problem}."
    )


def _load_keras(keras_bytes):
    import keras

    with tempfile.TemporaryDirectory(prefix="skfmnist-load-") as tmp:
        # keras.saving.load_model recognises the format by the ".keras" suffix of a path.
        keras_path = Path(tmp) / _KERAS_MEMBER
        keras_path.write_bytes(keras_bytes)
        return keras.saving.load_model(keras_path, safe_mode=True)


def _rebuild_mlp(step, network):
    from ._mlp import FashionMLP

    mlp = FashionMLP(**step["params"])
    x_shape = tuple(step["X_shape"])
    classes = np.asarray(step["classes"], dtype=np.dtype(step["y_dtype"]))
    # initialize() recreates scikeras' encoders and meta-attributes (classes_, n_classes_,
    # X_shape_, ...) from one sample per class, exactly as fit sets them; its freshly
    # built network is then replaced by the saved one.
    mlp.initialize(np.zeros((len(classes), *x_shape), dtype=np.dtype(step["X_dtype"])), classes)
    mlp.model_ = network
    if step["history"] is not None:
        mlp.history_ = step["history"]
    if step["best_epoch"] is not None:
        mlp.best_epoch_ = step["best_epoch"]
    return mlp
