"""Hyperparameter tuning of the Fashion-MNIST pipeline with Optuna.

A study runs in one process, in several processes on one machine, or on many machines:
every worker runs :func:`tune` (or ``python -m skfmnist.tune``) with the same study name
and the same storage, and Optuna's storage hands out the trials. Nothing here
coordinates workers; the storage does.

==========================  ==========================================================
Storage                     Use
==========================  ==========================================================
``None``                    In memory: one process, gone when it exits.
a file path                 Optuna's journal file (``JournalFileBackend``): several
                            processes on one machine, safe through file locks.
``sqlite:///path.db``       Optuna's RDB storage on SQLite: several processes on one
                            machine (waits up to a minute for SQLite's write lock).
``postgresql://...``        Optuna's RDB storage on PostgreSQL: many machines.
==========================  ==========================================================
"""

import difflib
import importlib.util
import logging
import math
import os
import time
from numbers import Integral, Real

import keras
import numpy as np
import optuna
import sqlalchemy.engine
import sqlalchemy.exc
import tensorflow as tf
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.storages import BaseStorage, InMemoryStorage, JournalStorage, RDBStorage
from optuna.storages.journal import JournalFileBackend
from optuna.trial import TrialState
from sklearn.utils._param_validation import Interval, validate_params

from ._health import neuron_health_scorer
from ._mlp import FashionMLP, _unknown_parameter_message
from ._pipeline import make_fashion_pipeline

__all__ = [
    "DEFAULT_STUDY_NAME",
    "OBJECTIVES",
    "TRIAL_ERRORS",
    "PruningCallback",
    "best_pipeline",
    "default_search_space",
    "make_objective",
    "make_storage",
    "tune",
]

logger = logging.getLogger(__name__)

DEFAULT_STUDY_NAME = "skfmnist"

# Both are maximised. "neuron_health" is neuron_health_scorer on the training images: the
# fraction of hidden units that are alive, 1 - neuron_health(...).dead_fraction.
OBJECTIVES = ("accuracy", "neuron_health")

# Failures of one parameter set, not of the set-up: the trial is recorded as FAIL with its
# reason and the study goes on. Anything else (a bug, a wrong monitor) stops the study.
TRIAL_ERRORS = (FloatingPointError, MemoryError, tf.errors.ResourceExhaustedError)

# SQLite serialises writers; a worker waits this long (seconds) for the write lock instead
# of failing with "database is locked" after sqlite3's default of 5 s.
SQLITE_TIMEOUT = 60

# Workers that start together on an empty database race to create Optuna's tables (and
# SQLAlchemy's CREATE TABLE is check-then-create); the losers see "already exists" or a
# unique violation. The tables exist on the next attempt.
_SCHEMA_ATTEMPTS = 5
_SCHEMA_RETRY_DELAY = 0.5


def default_search_space():
    """Return the default search space over the parameters of ``FashionMLP``.

    Returns
    -------
    search_space : dict of str to optuna.distributions.BaseDistribution
        A fresh dict, to be changed freely: ``hidden_units`` 32 to 512 (log scale),
        ``negative_slope`` 0 to 0.3, ``dropout`` 0 to 0.5, ``learning_rate`` 1e-4 to 1e-2
        (log scale), ``batch_size`` one of 32, 64, 128, 256 and ``lr_factor`` 0.1 to 0.7.
        Parameters that are not in it keep the values passed as ``params`` to :func:`tune`
        or ``FashionMLP``'s defaults.

    Examples
    --------
    >>> from optuna.distributions import IntDistribution
    >>> from skfmnist.tuning import default_search_space
    >>> space = default_search_space()
    >>> sorted(space)
    ['batch_size', 'dropout', 'hidden_units', 'learning_rate', 'lr_factor', 'negative_slope']
    >>> space["hidden_units"] = IntDistribution(16, 64, log=True)
    """
    return {
        "hidden_units": IntDistribution(32, 512, log=True),
        "negative_slope": FloatDistribution(0.0, 0.3),
        "dropout": FloatDistribution(0.0, 0.5),
        "learning_rate": FloatDistribution(1e-4, 1e-2, log=True),
        "batch_size": CategoricalDistribution([32, 64, 128, 256]),
        "lr_factor": FloatDistribution(0.1, 0.7),
    }


class PruningCallback(keras.callbacks.Callback):
    """Report a metric to an Optuna trial after every epoch; stop the trial if pruned.

    Epoch ``k`` (0-based) is reported as step ``k``. When the study's pruner decides that
    the trial is unpromising, the callback raises ``optuna.TrialPruned``, which ends the fit
    and marks the trial PRUNED.

    Pass it to a fit like any Keras callback, e.g. through the pipeline:
    ``pipe.fit(X, y, mlp__callbacks=[PruningCallback(trial)])``.

    Parameters
    ----------
    trial : optuna.Trial
        The trial being evaluated.

    monitor : str, default="val_accuracy"
        Name of the logged metric to report. A name that the fit does not log is an error
        raised at the end of the first epoch, naming the metrics that exist.
    """

    def __init__(self, trial, monitor="val_accuracy"):
        super().__init__()
        self.trial = trial
        self.monitor = monitor

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.monitor not in logs:
            message = (
                f"PruningCallback monitors {self.monitor!r}, but the fit logs only {sorted(logs)}."
            )
            close = difflib.get_close_matches(self.monitor, list(logs), n=1)
            if close:
                message += f" Did you mean {close[0]!r}?"
            raise ValueError(message)
        value = float(logs[self.monitor])
        self.trial.report(value, step=epoch)
        if self.trial.should_prune():
            raise optuna.TrialPruned(f"pruned at epoch {epoch + 1} with {self.monitor}={value:.4f}")


class _StopOnNaN(keras.callbacks.Callback):
    """Fail a diverging fit at the end of the epoch whose loss is not finite.

    Keras' ``TerminateOnNaN`` only stops training (and prints); a trial must fail instead,
    with a reason, so that its NaN loss does not pass for a result.
    """

    def on_epoch_end(self, epoch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(loss):
            raise FloatingPointError(f"training loss is {loss} at epoch {epoch + 1}")


def make_storage(storage=None):
    """Return the Optuna storage that ``storage`` names.

    Parameters
    ----------
    storage : str, path-like, optuna.storages.BaseStorage or None, default=None
        ``None`` for an in-memory storage; a database URL (``sqlite:///study.db``,
        ``postgresql://user:password@host/db``) for Optuna's RDB storage; any other string
        or path for a journal file, created if missing; a storage is returned as is.

    Returns
    -------
    storage : optuna.storages.BaseStorage
        The storage. SQLite connections wait up to ``SQLITE_TIMEOUT`` seconds for the
        write lock; other databases check pooled connections before use (a worker's
        connection may sit idle for a whole trial).

    Examples
    --------
    >>> from skfmnist.tuning import make_storage
    >>> type(make_storage(None)).__name__
    'InMemoryStorage'
    """
    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    storage = os.fspath(storage)
    if "://" not in storage:
        return JournalStorage(JournalFileBackend(storage))
    url = sqlalchemy.engine.make_url(storage)
    if url.get_backend_name() == "sqlite":
        engine_kwargs = {"connect_args": {"timeout": SQLITE_TIMEOUT}}
    else:
        engine_kwargs = {"pool_pre_ping": True}
    storage = _with_installed_driver(url, storage)
    for attempt in range(1, _SCHEMA_ATTEMPTS + 1):
        try:
            return RDBStorage(storage, engine_kwargs=engine_kwargs)
        except sqlalchemy.exc.DBAPIError as exc:
            # A wrong password or an unreachable server will not heal in seconds: fail now.
            if attempt == _SCHEMA_ATTEMPTS or not _lost_schema_race(exc):
                raise
            # The exception's text may quote the URL; its type is enough here.
            logger.info(
                "Creating the storage's tables raced another worker (%s), attempt %d of %d; "
                "retrying",
                type(exc).__name__,
                attempt,
                _SCHEMA_ATTEMPTS,
            )
            time.sleep(_SCHEMA_RETRY_DELAY * attempt)


def _lost_schema_race(exc):
    """Whether ``exc`` is another worker's concurrent creation of the same tables.

    PostgreSQL reports it as a unique violation in its catalogue (an IntegrityError) or
    as "relation ... already exists" (a ProgrammingError); SQLite as "table ... already
    exists" (an OperationalError, the class that also covers refused logins).
    """
    if isinstance(exc, sqlalchemy.exc.IntegrityError):
        return True
    return "already exists" in str(exc.orig)


def _with_installed_driver(url, storage):
    """Point a driverless ``postgresql://`` URL at psycopg2 when psycopg 3 is missing.

    SQLAlchemy 2.1 reads ``postgresql://`` as psycopg 3; the ``postgres`` extra installs
    psycopg2. A URL that names its driver (``postgresql+psycopg://``) is left alone.
    """
    if url.drivername != "postgresql" or importlib.util.find_spec("psycopg") is not None:
        return storage
    if importlib.util.find_spec("psycopg2") is None:
        return storage  # SQLAlchemy's ImportError then says what is missing
    return url.set(drivername="postgresql+psycopg2").render_as_string(hide_password=False)


class _TrialSeededSampler(optuna.samplers.BaseSampler):
    """Optuna's TPE sampler, seeded afresh for each trial from its number.

    A sampler seeded once per process repeats itself: a resumed study, or two workers
    started together, would draw the same parameter sets again. Trial numbers are unique
    within a study whatever the worker, so seeding trial ``n`` from ``(random_state, n)``
    keeps a study reproducible without repeating anything. TPE keeps no state between
    trials (it reads the history from the storage), so a fresh sampler per trial loses
    nothing.
    """

    def __init__(self, random_state=None):
        self.random_state = random_state
        self._samplers = {}

    def _sampler(self, trial):
        sampler = self._samplers.get(trial.number)
        if sampler is None:
            seed = None
            if self.random_state is not None:
                entropy = [self.random_state, trial.number]
                seed = int(np.random.SeedSequence(entropy).generate_state(1)[0])
            sampler = self._samplers[trial.number] = optuna.samplers.TPESampler(seed=seed)
        return sampler

    def infer_relative_search_space(self, study, trial):
        return self._sampler(trial).infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        return self._sampler(trial).sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._sampler(trial).sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study, trial):
        self._sampler(trial).before_trial(study, trial)

    def after_trial(self, study, trial, state, values):
        self._sampler(trial).after_trial(study, trial, state, values)
        self._samplers.pop(trial.number, None)

    def reseed_rng(self):
        # Optuna reseeds before running trials in threads; the seeds already differ per trial.
        pass


def _check_search_space(search_space):
    valid = FashionMLP().get_params()
    for name, distribution in search_space.items():
        if name not in valid:
            raise ValueError(_unknown_parameter_message(FashionMLP(), name, valid))
        if not isinstance(distribution, BaseDistribution):
            raise TypeError(
                f"search_space[{name!r}] must be an optuna distribution, such as "
                f"IntDistribution(32, 512, log=True); got {distribution!r}. Pass fixed "
                "values in params instead."
            )


def _check_params(params, search_space):
    valid = FashionMLP().get_params()
    for name in params:
        if name not in valid:
            raise ValueError(_unknown_parameter_message(FashionMLP(), name, valid))
    both = sorted(set(params) & set(search_space))
    if both:
        raise ValueError(
            f"{both} are both fixed in params and searched in search_space; "
            "remove them from one of the two."
        )
    if params.get("validation_fraction", 1) == 0:
        raise ValueError(
            "Tuning scores the validation split that FashionMLP holds out; "
            "validation_fraction=0 leaves none."
        )


def _check_objectives(objectives):
    if len(objectives) == 0 or len(set(objectives)) != len(objectives):
        raise ValueError(f"objectives must be distinct names from {OBJECTIVES}; got {objectives}.")
    for name in objectives:
        if name not in OBJECTIVES:
            message = f"Unknown objective {name!r}; choose from {OBJECTIVES}."
            close = difflib.get_close_matches(str(name), OBJECTIVES, n=1)
            if close:
                message += f" Did you mean {close[0]!r}?"
            raise ValueError(message)


def _suggest(trial, name, distribution):
    if isinstance(distribution, FloatDistribution):
        return trial.suggest_float(
            name, distribution.low, distribution.high, step=distribution.step, log=distribution.log
        )
    if isinstance(distribution, IntDistribution):
        return trial.suggest_int(
            name, distribution.low, distribution.high, step=distribution.step, log=distribution.log
        )
    if isinstance(distribution, CategoricalDistribution):
        return trial.suggest_categorical(name, distribution.choices)
    raise TypeError(f"Unsupported distribution for {name!r}: {distribution!r}")


def _validation_accuracy(mlp):
    # The weights the model keeps are those of best_epoch_ (restored by early stopping, or
    # the last epoch): its validation accuracy is the score of the fitted model.
    return mlp.history_["val_accuracy"][mlp.best_epoch_ - 1]


def _plain(value):
    # numpy scalars are not JSON, and trial attributes must be.
    return value.item() if isinstance(value, np.generic) else value


def make_objective(X, y, *, search_space=None, params=None, objectives=("accuracy",)):
    """Build the Optuna objective that fits the pipeline on ``(X, y)``.

    The objective draws the parameters of ``search_space``, fits
    ``make_fashion_pipeline(**params, **drawn)`` and returns, for ``"accuracy"``, the
    validation accuracy of the fitted model: ``FashionMLP`` holds out a stratified
    ``validation_fraction`` of ``(X, y)``, and the accuracy is that of the weights it
    keeps (epoch ``best_epoch_``). For ``"neuron_health"`` it returns
    ``neuron_health_scorer(pipeline, X)``: the fraction of hidden units whose activation
    reaches the dead-neuron threshold of ``neuron_health`` for at least one image of ``X``.

    With the single objective ``("accuracy",)`` every epoch's validation accuracy is
    reported to the trial (:class:`PruningCallback`), so that the study's pruner can stop
    it. Optuna cannot prune multi-objective trials; they always run to the end.

    A fit whose loss becomes NaN raises ``FloatingPointError``. Each trial records
    ``mlp_params`` (all parameters of the fit), ``best_epoch`` and ``epochs_run`` as user
    attributes, and ``fail_reason`` when it raises.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784) or (n_samples, 28, 28)
        Training images, pixels in [0, 255].

    y : array-like of shape (n_samples,)
        Class labels.

    search_space : dict of str to optuna.distributions.BaseDistribution, default=None
        Parameters of ``FashionMLP`` to search. ``None`` means
        :func:`default_search_space`.

    params : dict, default=None
        Fixed parameters of ``FashionMLP`` for every trial, e.g.
        ``{"epochs": 20, "random_state": 0}``.

    objectives : tuple of str, default=("accuracy",)
        Names from ``OBJECTIVES``, all maximised, in the order of the study's values.

    Returns
    -------
    objective : callable
        ``objective(trial) -> float`` (one objective) or ``-> list of float``.
    """
    search_space = default_search_space() if search_space is None else dict(search_space)
    params = {name: _plain(value) for name, value in (params or {}).items()}
    objectives = tuple(objectives)
    _check_search_space(search_space)
    _check_params(params, search_space)
    _check_objectives(objectives)
    prune = objectives == ("accuracy",)

    def objective(trial):
        drawn = {name: _suggest(trial, name, dist) for name, dist in search_space.items()}
        mlp_params = {**params, **drawn}
        trial.set_user_attr("mlp_params", mlp_params)
        callbacks = [_StopOnNaN()]
        if prune:
            callbacks.append(PruningCallback(trial, "val_accuracy"))
        pipe = make_fashion_pipeline(**mlp_params)
        try:
            pipe.fit(X, y, mlp__callbacks=callbacks)
        except optuna.TrialPruned:
            raise
        except Exception as exc:
            trial.set_user_attr("fail_reason", f"{type(exc).__name__}: {exc}")
            raise
        mlp = pipe[-1]
        trial.set_user_attr("best_epoch", int(mlp.best_epoch_))
        trial.set_user_attr("epochs_run", len(mlp.history_["loss"]))
        values = [
            _validation_accuracy(mlp) if name == "accuracy" else neuron_health_scorer(pipe, X)
            for name in objectives
        ]
        return values[0] if len(values) == 1 else values

    return objective


@validate_params(
    {
        "X": ["array-like"],
        "y": ["array-like"],
        "n_trials": [Interval(Integral, 1, None, closed="left"), None],
        "timeout": [Interval(Real, 0, None, closed="neither"), None],
        "storage": [str, os.PathLike, BaseStorage, None],
        "study_name": [str],
        "search_space": [dict, None],
        "params": [dict, None],
        "objectives": [tuple, list],
        "pruner": [optuna.pruners.BasePruner, None],
        "enqueue": [list, tuple, None],
        "random_state": [Interval(Integral, 0, None, closed="left"), None],
        "callbacks": [list, tuple, None],
        "catch": [tuple],
    },
    prefer_skip_nested_validation=True,
)
def tune(
    X,
    y,
    *,
    n_trials=None,
    timeout=None,
    storage=None,
    study_name=DEFAULT_STUDY_NAME,
    search_space=None,
    params=None,
    objectives=("accuracy",),
    pruner=None,
    enqueue=None,
    random_state=None,
    callbacks=None,
    catch=TRIAL_ERRORS,
):
    """Run, or resume, an Optuna study of the pipeline's hyperparameters.

    The study ``study_name`` in ``storage`` is created, or loaded if it exists, and
    ``n_trials`` more trials are run (see :func:`make_objective`). Workers that call
    ``tune`` with the same ``storage`` and ``study_name``, in other processes or on other
    machines, add trials to the same study.

    Parameters
    ----------
    X : array-like of shape (n_samples, 784) or (n_samples, 28, 28)
        Training images, pixels in [0, 255]. Every worker of a study must use the same data.

    y : array-like of shape (n_samples,)
        Class labels.

    n_trials : int, default=None
        Number of trials this call runs. ``None`` runs until ``timeout``.

    timeout : float, default=None
        Seconds after which no new trial is started.

    storage : str, path-like, optuna.storages.BaseStorage or None, default=None
        Where the study lives (see :func:`make_storage`): ``None`` in memory, a path for a
        journal file, or a database URL such as ``postgresql://user:password@host/db``.

    study_name : str, default="skfmnist"
        Name of the study in the storage.

    search_space : dict of str to optuna.distributions.BaseDistribution, default=None
        Parameters to search; ``None`` means :func:`default_search_space`.

    params : dict, default=None
        Fixed ``FashionMLP`` parameters, e.g. ``{"epochs": 20}``. ``random_state`` is
        added unless given here.

    objectives : tuple of str, default=("accuracy",)
        ``("accuracy",)``, or ``("accuracy", "neuron_health")`` for a multi-objective
        study whose Pareto front is ``study.best_trials``. A study keeps its objectives;
        resuming it with others is an error.

    pruner : optuna.pruners.BasePruner, default=None
        Pruner of a new study; ``None`` means ``MedianPruner(n_startup_trials=5,
        n_warmup_steps=2)``: after five finished trials, a trial whose validation accuracy
        from the third epoch on is below the median of the others at the same epoch stops.
        Multi-objective studies are not pruned.

    enqueue : list of dict, default=None
        Parameter sets to try first, e.g. known good ones. A set the study already holds
        is not enqueued again.

    random_state : int, default=None
        Seeds the sampler (trial ``n`` from ``(random_state, n)``, so that a resumed study
        or a second worker never replays earlier draws) and ``FashionMLP``.

    callbacks : list of callable, default=None
        ``callback(study, frozen_trial)``, called after each trial of this call.

    catch : tuple of exception types, default=TRIAL_ERRORS
        Exceptions of a trial that mark it FAIL and let the study go on (NaN loss, out of
        memory). Others stop the study after marking the trial FAIL.

    Returns
    -------
    study : optuna.Study
        The study, with the trials of every worker so far.

    Examples
    --------
    >>> import numpy as np
    >>> from optuna.distributions import FloatDistribution
    >>> from skfmnist.tuning import tune
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, (60, 784), dtype=np.uint8)
    >>> y = np.repeat([0, 1, 2], 20)
    >>> study = tune(X, y, n_trials=2, random_state=0, params={"hidden_units": 8, "epochs": 1},
    ...              search_space={"learning_rate": FloatDistribution(1e-3, 1e-2, log=True)})
    >>> len(study.trials)
    2
    """
    objectives = tuple(objectives)
    params = {"random_state": random_state, **(params or {})}
    objective = make_objective(
        X, y, search_space=search_space, params=params, objectives=objectives
    )
    if pruner is None:
        pruner = optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=2)
    study = optuna.create_study(
        storage=make_storage(storage),
        study_name=study_name,
        directions=["maximize"] * len(objectives),
        sampler=_TrialSeededSampler(random_state),
        pruner=pruner,
        load_if_exists=True,
    )
    stored = study.user_attrs.get("objectives")
    if stored is None:
        study.set_user_attr("objectives", list(objectives))
    elif tuple(stored) != objectives:
        raise ValueError(
            f"Study {study_name!r} optimises {tuple(stored)}, not {objectives}; "
            "pass the same objectives or another study_name."
        )
    for trial_params in enqueue or ():
        study.enqueue_trial(trial_params, skip_if_exists=True)
    logger.info(
        "Study %r: %d trials so far; running %s more",
        study_name,
        len(study.trials),
        "unbounded" if n_trials is None else n_trials,
    )
    study.optimize(
        objective,
        n_trials=n_trials,
        timeout=timeout,
        catch=tuple(catch),
        callbacks=callbacks,
        gc_after_trial=True,
    )
    return study


def best_pipeline(study, X, y, *, trial=None, **overrides):
    """Refit the pipeline with the parameters of the best trial.

    Parameters
    ----------
    study : optuna.Study
        A study run by :func:`tune`.

    X : array-like of shape (n_samples, 784) or (n_samples, 28, 28)
        Training images, pixels in [0, 255].

    y : array-like of shape (n_samples,)
        Class labels.

    trial : optuna.trial.FrozenTrial or int, default=None
        The trial (or its number) whose parameters to use; ``None`` means
        ``study.best_trial``. A multi-objective study has no single best trial: pick one of
        ``study.best_trials``.

    **overrides : dict
        ``FashionMLP`` parameters that replace the trial's, e.g. ``epochs=150`` for the
        final fit on all the data.

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        ``make_fashion_pipeline`` with the trial's parameters (the searched and the fixed
        ones), fitted on ``(X, y)``.
    """
    if trial is None:
        if len(study.directions) > 1:
            raise ValueError(
                f"Study {study.study_name!r} has {len(study.directions)} objectives and "
                f"{len(study.best_trials)} Pareto-optimal trials; pick one of "
                "study.best_trials and pass it as trial=."
            )
        trial = study.best_trial
    elif isinstance(trial, Integral):
        trial = study.trials[trial]
    if trial.state != TrialState.COMPLETE:
        raise ValueError(f"Trial {trial.number} is {trial.state.name}, not COMPLETE.")
    params = {**trial.user_attrs.get("mlp_params", trial.params), **overrides}
    return make_fashion_pipeline(**params).fit(X, y)
