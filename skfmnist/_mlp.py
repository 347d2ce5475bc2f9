"""The seed's 784-256-10 LeakyReLU MLP as a scikit-learn classifier."""

import contextlib
import difflib
import functools
import math
import random
import warnings
from collections import defaultdict
from numbers import Integral, Real

import keras
import numpy as np
import scipy.sparse as sp
from scikeras.utils.random_state import tf_get_seed, tf_set_seed
from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit
from sklearn.utils import ClassifierTags
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, column_or_1d

__all__ = ["FashionMLP"]

# Keras initializers that draw random weights from a seed: the ones a hidden layer can use
# reproducibly with ``random_state``.
_SEEDED_INITIALIZERS = (
    "glorot_normal",
    "glorot_uniform",
    "he_normal",
    "he_uniform",
    "lecun_normal",
    "lecun_uniform",
    "orthogonal",
    "random_normal",
    "random_uniform",
    "truncated_normal",
)

# Layer names are a contract: ``neuron_health`` reads the hidden activations by name.
HIDDEN_LAYER = "hidden"
HIDDEN_ACTIVATION = "hidden_activation"

# Prediction and validation run in large batches: the batch size does not change the
# results of a forward pass, and per-batch overhead dominates at the training batch size.
_INFERENCE_BATCH_SIZE = 2048

# Key of the training data sets' elements: a chunk of mini-batches, not one mini-batch.
_CHUNK = "skfmnist_mini_batches"


class FashionMLP(KerasClassifier):
    """Fashion-MNIST multilayer perceptron: Flatten -> Dense -> LeakyReLU -> Dropout -> softmax.

    A scikit-learn classifier built on scikeras' ``KerasClassifier``. Its defaults are the
    seed study's recipe: 256 he-normal hidden units, LeakyReLU with slope 0.1, dropout 0.3,
    Adam with learning rate 1e-3, batch size 64, up to 150 epochs with early stopping on
    validation accuracy (patience 30, best weights restored) and learning-rate halving on
    plateaus (patience 5, down to 1e-6). The validation data are a stratified, shuffled
    ``validation_fraction`` of the training data, drawn with ``random_state``.

    Callbacks and the Keras model are built at fit time, fresh for every fit, so the estimator
    clones, pickles and grid-searches like any scikit-learn estimator.

    Parameters
    ----------
    hidden_units : int, default=256
        Width of the hidden layer.

    negative_slope : float, default=0.1
        Slope of the LeakyReLU for negative inputs. ``0.0`` gives a plain ReLU.

    dropout : float, default=0.3
        Dropout rate after the hidden activation, in [0, 1).

    kernel_initializer : str, default="he_normal"
        Keras initializer of the hidden layer's weights.

    learning_rate : float, default=1e-3
        Initial learning rate of Adam.

    batch_size : int, default=64
        Training mini-batch size.

    epochs : int, default=150
        Maximum number of epochs.

    validation_fraction : float, default=0.1
        Fraction of the training data held out (stratified, shuffled) to monitor
        validation accuracy. With ``0.0`` nothing is held out and both callbacks monitor
        the training accuracy instead.

    early_stopping_patience : int or None, default=30
        Epochs without improvement of the monitored accuracy before training stops; the
        best weights are restored. ``None`` disables early stopping.

    lr_factor : float, default=0.5
        Factor by which the learning rate is multiplied on a plateau, in (0, 1).

    lr_patience : int or None, default=5
        Epochs without improvement before the learning rate is reduced. ``None`` keeps
        the learning rate constant.

    min_lr : float, default=1e-6
        Lower bound of the learning rate.

    steps_per_execution : int, default=32
        Mini-batches trained per call into the TensorFlow graph, in a loop inside the
        graph. Larger values remove per-batch overhead (about twice as fast per epoch at
        batch size 64 on two cores as one) without changing the results. Epoch-level
        callbacks are unaffected; batch-level ones are called once per call, with the
        call's index as ``batch``.

    random_state : int, RandomState instance or None, default=None
        Seeds the weights, dropout, shuffling and the validation split. With an integer the
        fit is reproducible on CPU; the global random states of Python and NumPy are left
        as they were.

    verbose : int, default=0
        Keras' verbosity: 0 silent, 1 progress bar, 2 one line per epoch.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels, sorted.

    n_classes_ : int
        Number of classes.

    n_features_in_ : int
        Number of features seen during fit.

    model_ : keras.Model
        The fitted Keras model.

    history_ : dict of str to list
        Per-epoch ``loss``, ``accuracy``, ``learning_rate`` and, with validation data,
        ``val_loss`` and ``val_accuracy``.

    best_epoch_ : int
        The 1-based epoch whose weights the model holds (the best monitored accuracy when
        early stopping is on, otherwise the last epoch).

    See Also
    --------
    make_fashion_pipeline : ``PixelScaler`` followed by ``FashionMLP``.

    Examples
    --------
    >>> import numpy as np
    >>> from skfmnist import FashionMLP
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((60, 784), dtype=np.float32)
    >>> y = np.repeat(["coat", "shirt", "bag"], 20)
    >>> clf = FashionMLP(hidden_units=8, epochs=2, random_state=0).fit(X, y)
    >>> clf.classes_.tolist()
    ['bag', 'coat', 'shirt']
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    """

    _parameter_constraints = {
        "hidden_units": [Interval(Integral, 1, None, closed="left")],
        "negative_slope": [Interval(Real, 0, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "kernel_initializer": [StrOptions(set(_SEEDED_INITIALIZERS))],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "early_stopping_patience": [Interval(Integral, 0, None, closed="left"), None],
        "lr_factor": [Interval(Real, 0, 1, closed="neither")],
        "lr_patience": [Interval(Integral, 0, None, closed="left"), None],
        "min_lr": [Interval(Real, 0, None, closed="left")],
        "steps_per_execution": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": [StrOptions({"auto"}), Interval(Integral, 0, 2, closed="both")],
    }

    # scikeras reads these as attributes; they are fixed by the recipe, not parameters.
    model = None
    build_fn = None
    warm_start = False
    loss = "sparse_categorical_crossentropy"
    callbacks = None
    class_weight = None

    def __init__(
        self,
        hidden_units=256,
        *,
        negative_slope=0.1,
        dropout=0.3,
        kernel_initializer="he_normal",
        learning_rate=1e-3,
        batch_size=64,
        epochs=150,
        validation_fraction=0.1,
        early_stopping_patience=30,
        lr_factor=0.5,
        lr_patience=5,
        min_lr=1e-6,
        steps_per_execution=32,
        random_state=None,
        verbose=0,
    ):
        self.hidden_units = hidden_units
        self.negative_slope = negative_slope
        self.dropout = dropout
        self.kernel_initializer = kernel_initializer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation_fraction = validation_fraction
        self.early_stopping_patience = early_stopping_patience
        self.lr_factor = lr_factor
        self.lr_patience = lr_patience
        self.min_lr = min_lr
        self.steps_per_execution = steps_per_execution
        self.random_state = random_state
        self.verbose = verbose

    # scikeras derives parameters from ``__dict__`` (so fitted meta-attributes and routed
    # ``fit__*`` names leak in); scikit-learn's rule reads them from ``__init__``.
    _get_param_names = classmethod(BaseEstimator._get_param_names.__func__)
    __repr__ = BaseEstimator.__repr__

    def set_params(self, **params):
        """Set the parameters of this estimator.

        Unknown names raise a ``ValueError`` that names the closest valid parameter.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : FashionMLP
            This estimator.
        """
        valid = self.get_params(deep=False)
        for name in params:
            if name not in valid:
                raise ValueError(_unknown_parameter_message(self, name, valid))
        return BaseEstimator.set_params(self, **params)

    def __sklearn_tags__(self):
        # scikeras lists ClassifierMixin after BaseEstimator, whose __sklearn_tags__ does not
        # call super(): on scikit-learn >= 1.7 the classifier tags are lost, is_classifier is
        # False and cv=5 stops stratifying. Restore them here.
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.target_tags.required = True
        tags.non_deterministic = self.random_state is None
        return tags

    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build a fresh model and fit it to ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, height, width)
            Training images, scaled (see ``PixelScaler``).

        y : array-like of shape (n_samples,)
            Class labels of any kind (integers, strings); ``classes_`` holds them sorted.

        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the training loss.

        **kwargs : dict
            Passed to ``keras.Model.fit``.

        Returns
        -------
        self : FashionMLP
            The fitted estimator.
        """
        self._validate_params()
        y = column_or_1d(y, warn=True)
        return super().fit(X, y, sample_weight=sample_weight, **kwargs)

    def partial_fit(self, X, y, sample_weight=None, **kwargs):
        """Train for one more epoch, keeping the model and its history.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, height, width)
            Training images.

        y : array-like of shape (n_samples,)
            Class labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the training loss.

        **kwargs : dict
            Passed to ``keras.Model.fit``.

        Returns
        -------
        self : FashionMLP
            The estimator.
        """
        self._validate_params()
        y = column_or_1d(y, warn=True)
        return super().partial_fit(X, y, sample_weight=sample_weight, **kwargs)

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        if X is not None:
            if sp.issparse(X):
                raise TypeError(
                    f"{type(self).__name__} does not accept sparse input; "
                    "convert it with X.toarray()."
                )
            n_features_in = getattr(self, "n_features_in_", None)
            shape = getattr(X, "shape", None)
            if not reset and n_features_in is not None and shape is not None and len(shape) == 2:
                if shape[1] != n_features_in:
                    raise ValueError(
                        f"X has {shape[1]} features, but {type(self).__name__} is expecting "
                        f"{n_features_in} features as input."
                    )
        return super()._validate_data(X, y, reset=reset, y_numeric=y_numeric)

    def _build_keras_model(self):
        # scikeras builds under its ``tensorflow_random_state``, which sets
        # TF_DETERMINISTIC_OPS; TensorFlow caches that variable on first read, so every later
        # unseeded fit in the process fails ("Random ops require a seed"). Our layers get
        # explicit seeds instead. scikeras also draws the seed of a RandomState instance with
        # ``randint(low=1)``, which is always 0: draw a real one.
        if isinstance(self.random_state, np.random.RandomState):
            self._random_state = int(self.random_state.randint(np.iinfo(np.int32).max))
        return self._keras_build_fn()

    def predict_proba(self, X, **kwargs):
        """Return class probability estimates for ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, height, width)
            Images, scaled like the training images.

        **kwargs : dict
            Passed to ``keras.Model.predict``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of the classes in the order of ``classes_``; rows sum to 1.
        """
        # scikeras squeezes a single sample's row to shape (n_classes,).
        return np.reshape(super().predict_proba(X, **kwargs), (-1, self.n_classes_))

    def _keras_build_fn(self):
        seed = self._random_state
        seeds = (
            [None] * 3
            if seed is None
            else [int(s) for s in np.random.SeedSequence(seed).generate_state(3)]
        )
        initializer = keras.initializers.get(
            {"class_name": self.kernel_initializer, "config": {"seed": seeds[0]}}
        )
        model = keras.Sequential(
            [
                keras.Input(shape=self.X_shape_[1:]),
                keras.layers.Flatten(name="flatten"),
                keras.layers.Dense(
                    self.hidden_units, kernel_initializer=initializer, name=HIDDEN_LAYER
                ),
                keras.layers.LeakyReLU(negative_slope=self.negative_slope, name=HIDDEN_ACTIVATION),
                keras.layers.Dropout(self.dropout, seed=seeds[1], name="dropout"),
                keras.layers.Dense(
                    self.n_classes_,
                    activation="softmax",
                    kernel_initializer=keras.initializers.GlorotUniform(seed=seeds[2]),
                    name="output",
                ),
            ],
            name="fashion_mlp",
        )
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=self.learning_rate),
            loss=self.loss,
            metrics=["accuracy"],
        )
        _attach_fast_training(model)
        return model

    def _validation_split(self, X, y):
        """Indices of a stratified, shuffled hold-out, or ``None`` when nothing is held out."""
        if self.validation_fraction == 0:
            return None
        n_samples = len(y)
        n_val = math.ceil(self.validation_fraction * n_samples)
        if n_val >= n_samples:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} leaves no training data "
                f"out of {n_samples} samples; lower it or pass more samples."
            )
        _, counts = np.unique(y, return_counts=True)
        if n_val >= len(counts) and counts.min() >= 2 and n_samples - n_val >= len(counts):
            splitter = StratifiedShuffleSplit(
                n_splits=1, test_size=n_val, random_state=self._random_state
            )
        else:
            warnings.warn(
                f"Cannot stratify a validation set of {n_val} samples over {len(counts)} "
                f"classes (smallest class: {counts.min()} samples); using a plain shuffled "
                "split.",
                UserWarning,
                stacklevel=4,
            )
            splitter = ShuffleSplit(n_splits=1, test_size=n_val, random_state=self._random_state)
        return next(splitter.split(np.zeros(n_samples), y))

    def _make_callbacks(self, monitor):
        callbacks = []
        if self.early_stopping_patience is not None:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor=monitor,
                    mode="max",
                    patience=self.early_stopping_patience,
                    restore_best_weights=True,
                )
            )
        if self.lr_patience is not None:
            callbacks.append(
                keras.callbacks.ReduceLROnPlateau(
                    monitor=monitor,
                    mode="max",
                    factor=self.lr_factor,
                    patience=self.lr_patience,
                    min_lr=self.min_lr,
                )
            )
        else:
            callbacks.append(_LogLearningRate())
        return callbacks

    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs):
        split = self._validation_split(X, y)
        if split is None:
            monitor, validation_data = "accuracy", None
        else:
            train, val = split
            monitor = "val_accuracy"
            validation_data = (X[val], y[val])
            if sample_weight is not None:
                validation_data += (sample_weight[val],)
                sample_weight = sample_weight[train]
            X, y = X[train], y[train]
        callbacks = self._make_callbacks(monitor) + list(kwargs.pop("callbacks", []))
        batch_size = kwargs.pop("batch_size", self.batch_size)
        shuffle = kwargs.pop("shuffle", True)
        class_weight = kwargs.pop("class_weight", None)
        if class_weight is not None:
            # Keras maps class weights onto single mini-batches, not onto chunks of them.
            # As in Keras, a class missing from the dictionary weighs 1; as in scikit-learn,
            # class and sample weights multiply.
            weights = np.array(
                [class_weight.get(int(c), 1.0) for c in np.ravel(y)], dtype=np.float32
            )
            sample_weight = weights if sample_weight is None else weights * sample_weight
        fit_args = dict(
            validation_batch_size=_INFERENCE_BATCH_SIZE,
            epochs=initial_epoch + epochs,
            initial_epoch=initial_epoch,
            validation_data=validation_data,
            callbacks=callbacks,
            shuffle=False,  # the data set shuffles; Keras warns about shuffle=True
            verbose=self.verbose,
        )
        fit_args.update(kwargs)
        # Seeded around the data set too: its shuffle draws its seed from TensorFlow's. A
        # continued fit (partial_fit, warm start) starting at a later epoch gets a seed of
        # its own, or every call would train on the same order of samples.
        seeded = (
            contextlib.nullcontext()
            if self._random_state is None
            else _seeded(self._random_state + initial_epoch)
        )
        _attach_fast_training(self.model_)  # a loaded or unpickled model lacks it
        with seeded:
            chunks = _training_chunks(
                X,
                y,
                sample_weight,
                batch_size=batch_size,
                chunk_size=self.steps_per_execution,
                shuffle=shuffle,
            )
            hist = self.model_.fit(chunks, **fit_args)

        if not warm_start or not hasattr(self, "history_") or initial_epoch == 0:
            self.history_ = defaultdict(list)
        for key, values in hist.history.items():
            self.history_[key] += [float(v) for v in values]
        self.history_ = dict(self.history_)
        stopper = callbacks[0] if isinstance(callbacks[0], keras.callbacks.EarlyStopping) else None
        if stopper is not None and stopper.best_weights is not None:
            self.best_epoch_ = stopper.best_epoch + 1
        else:
            self.best_epoch_ = len(self.history_["loss"])

    def _predict_raw(self, X, **kwargs):
        check_is_fitted(self, "model_")
        X, _ = self._validate_data(X=X, y=None)
        X = self.feature_encoder_.transform(X)
        if kwargs or len(X) == 0:  # options of Keras' predict: its own loop
            kwargs.setdefault("batch_size", _INFERENCE_BATCH_SIZE)
            kwargs.setdefault("verbose", 0)
            return self.model_.predict(x=X, **kwargs)
        # predict() builds a tf.data pipeline and a step loop on every call: 120 ms for the
        # 10,000 test images on one thread, against 50 ms for the same batches run directly.
        batches = range(0, len(X), _INFERENCE_BATCH_SIZE)
        return np.concatenate(
            [self.model_.predict_on_batch(X[i : i + _INFERENCE_BATCH_SIZE]) for i in batches]
        )


def _attach_fast_training(model):
    """Give a compiled model the chunked train step and, for Adam, the fused update.

    Both are attributes of the instances, not subclasses: a saved or pickled model holds a
    plain Keras ``Sequential`` and ``Adam`` that load anywhere, without them. A fit
    attaches them again, so a loaded model trains on chunks like a fresh one.
    """
    if "train_step" not in vars(model):
        model.train_step = functools.partial(_train_step_over_chunk, model)
        model.train_function = None  # one made with Keras' step would be reused
    optimizer = model.optimizer
    if isinstance(optimizer, keras.optimizers.Adam) and "update_step" not in vars(optimizer):
        optimizer.update_step = functools.partial(_fused_adam_update_step, optimizer)


def _fused_adam_update_step(optimizer, gradient, variable, learning_rate):
    """Keras' ``Adam.update_step`` as one call of TensorFlow's fused Adam kernel.

    Keras' Adam updates each weight with about a dozen element-wise operations, each a
    pass over the weight and a TensorFlow op dispatch; ``ResourceApplyAdam`` does the same
    update (same formula, same bias correction) in one. At batch size 64 that is most of
    the optimiser's cost: measured on 2 cores, one intra- and one inter-op thread, 1.25 s
    instead of 1.85 s of CPU time per epoch of 54,000 images. ``1 - beta`` is rounded in
    float32 by the kernel rather than in float64 by Keras, so fits differ from Keras' Adam
    in the last bits, not in accuracy.

    ``_attach_fast_training`` attaches it to the optimiser instance.
    """
    import tensorflow as tf

    index = optimizer._get_variable_index(variable)
    m, v = optimizer._momentums[index], optimizer._velocities[index]
    dtype = variable.dtype
    step = tf.cast(optimizer.iterations + 1, dtype)
    beta_1 = tf.cast(optimizer.beta_1, dtype)
    beta_2 = tf.cast(optimizer.beta_2, dtype)
    tf.raw_ops.ResourceApplyAdam(
        var=_resource(variable),
        m=_resource(m),
        v=_resource(v),
        beta1_power=tf.pow(beta_1, step),
        beta2_power=tf.pow(beta_2, step),
        lr=tf.cast(learning_rate, dtype),
        beta1=beta_1,
        beta2=beta_2,
        epsilon=tf.cast(optimizer.epsilon, dtype),
        grad=tf.cast(gradient, dtype),
        use_locking=False,
    )


def _training_chunks(X, y, sample_weight, *, batch_size, chunk_size, shuffle):
    """The training data as a tf.data set of chunks of ``chunk_size`` mini-batches.

    Every epoch the sample indices are shuffled (a new order every epoch, seeded by
    TensorFlow's global seed) and cut into mini-batches, the last one partial as in
    Keras; each chunk of mini-batches is gathered in one op, the next one while the
    current one trains. An element is ``{_CHUNK: (X, y[, sample_weight])}`` with arrays of
    shape (batches, batch_size, ...); ``_train_step_over_chunk`` loops over its mini-batches.
    """
    import tensorflow as tf

    arrays = [np.asarray(X, dtype=np.float32), y]  # converted once, not batch by batch
    if sample_weight is not None:
        arrays.append(sample_weight)
    tensors = tuple(tf.convert_to_tensor(a) for a in arrays)
    n_samples = len(y)
    n_batches, n_rest = divmod(n_samples, batch_size)
    n_full = n_samples - n_rest

    def index_chunks(order):
        full = tf.reshape(order[:n_full], (n_batches, batch_size))
        chunks = tf.data.Dataset.from_tensor_slices(full).batch(chunk_size)
        if n_rest:
            chunks = chunks.concatenate(tf.data.Dataset.from_tensors(order[n_full:][tf.newaxis]))
        return chunks

    def gather(indices):
        return {_CHUNK: tuple(tf.gather(t, indices) for t in tensors)}

    order = tf.data.Dataset.range(n_samples)
    if shuffle:
        order = order.shuffle(n_samples, reshuffle_each_iteration=True)
    n_chunks = -(-n_batches // chunk_size) + (n_rest > 0)
    chunks = order.batch(n_samples).flat_map(index_chunks).map(gather).prefetch(1)
    return chunks.apply(tf.data.experimental.assert_cardinality(n_chunks))


def _train_step_over_chunk(model, data):
    """Keras' train step, once per mini-batch of a chunk, in one graph loop.

    Keras' ``steps_per_execution`` loop fetches every mini-batch from its tf.data iterator
    and calls the step function through an optional value and a conditional; here a
    while-loop slices the mini-batches out of a chunk already in memory. Other data (a
    ``model_.fit`` of its own) take Keras' step unchanged: the chunk's dictionary makes its
    own trace of the step function, whatever Keras relaxes shapes to.
    """
    import tensorflow as tf

    step = type(model).train_step
    if not (isinstance(data, dict) and _CHUNK in data):
        return step(model, data)
    data = data[_CHUNK]

    def batch(i):
        return tuple(part[i] for part in data)

    def body(i):
        step(model, batch(i))
        return (i + 1,)

    tf.while_loop(lambda i: i < tf.shape(data[0])[0], body, (tf.constant(0),))
    return model.get_metrics_result()


def _resource(variable):
    """The TensorFlow resource handle of a Keras or TensorFlow variable."""
    return (variable.value if isinstance(variable, keras.Variable) else variable).handle


@contextlib.contextmanager
def _seeded(seed):
    """Seed Python's, NumPy's and TensorFlow's global generators; restore them on exit.

    This is scikeras' ``tensorflow_random_state`` without its switch to TensorFlow's op
    determinism. On CPU this model's ops give bit-identical fits either way (checked on
    real data: same weights with and without it), but under op determinism tf.data runs
    Keras' input pipeline serially and without prefetching, because its per-epoch shuffle
    is a stateful random op. Measured on 2 cores, one intra- and one inter-op thread: the
    pipeline alone takes 0.69 s instead of 0.33 s per epoch of 54,000 images at batch
    size 64, and a training epoch 1.38-1.75 s instead of 1.21-1.48 s of CPU time.
    """
    python_state, numpy_state = random.getstate(), np.random.get_state()  # noqa: NPY002
    tf_seed = tf_get_seed()
    try:
        random.seed(seed)
        np.random.seed(seed)  # noqa: NPY002
        tf_set_seed(seed)
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)  # noqa: NPY002
        tf_set_seed(tf_seed)


class _LogLearningRate(keras.callbacks.Callback):
    """Record the learning rate per epoch when no ReduceLROnPlateau does it."""

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(
                keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)
            )


def _unknown_parameter_message(estimator, name, valid):
    name_cls = type(estimator).__name__
    message = f"Invalid parameter {name!r} for estimator {name_cls}."
    close = difflib.get_close_matches(name, list(valid), n=1)
    if close:
        message += f" Did you mean {close[0]!r}?"
    return message + f" Valid parameters are: {sorted(valid)}."
