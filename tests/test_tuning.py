"""Tests for skfmnist.tuning: Optuna studies of the pipeline, and scikit-learn's searches.

Tiny synthetic images (3 classes, 180 samples), 8 to 16 hidden units and 2 or 3 epochs keep
every fit around a second; seeds are fixed, so values are exact.
"""

import keras
import numpy as np
import optuna
import pytest
from numpy.testing import assert_allclose
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.storages import InMemoryStorage, JournalStorage, RDBStorage
from optuna.trial import TrialState
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_val_score
from sklearn.utils._param_validation import InvalidParameterError

from skfmnist import make_fashion_pipeline
from skfmnist.tuning import (
    OBJECTIVES,
    SQLITE_TIMEOUT,
    PruningCallback,
    best_pipeline,
    default_search_space,
    make_storage,
    tune,
)

SPACE = {
    "hidden_units": IntDistribution(8, 16),
    "learning_rate": FloatDistribution(1e-3, 1e-1, log=True),
}
FIXED = {"epochs": 3, "batch_size": 16}


def noisy_pixels(n_per_class=60, n_classes=3, noise=150, seed=0):
    """Raw 'images': one random template per class plus Gaussian noise, in [0, 255].

    Noisy enough that validation accuracy climbs over epochs instead of starting at 1.
    """
    rng = np.random.default_rng(seed)
    templates = rng.integers(0, 256, size=(n_classes, 784))
    y = np.repeat(np.arange(n_classes), n_per_class)
    X = np.clip(templates[y] + rng.normal(0, noise, size=(len(y), 784)), 0, 255)
    return X.astype(np.uint8), y


@pytest.fixture(scope="module")
def data():
    return noisy_pixels()


def test_default_search_space_covers_the_parameters_that_matter():
    assert default_search_space() == {
        "hidden_units": IntDistribution(32, 512, log=True),
        "negative_slope": FloatDistribution(0.0, 0.3),
        "dropout": FloatDistribution(0.0, 0.5),
        "learning_rate": FloatDistribution(1e-4, 1e-2, log=True),
        "batch_size": CategoricalDistribution([32, 64, 128, 256]),
        "lr_factor": FloatDistribution(0.1, 0.7),
    }
    # A fresh dict each time: changing one does not change the default.
    default_search_space()["hidden_units"] = IntDistribution(8, 16)
    assert default_search_space()["hidden_units"] == IntDistribution(32, 512, log=True)


def test_search_space_with_misspelt_parameter_names_the_closest(data):
    X, y = data
    with pytest.raises(ValueError, match="'hiden_units'.*Did you mean 'hidden_units'"):
        tune(X, y, n_trials=1, search_space={"hiden_units": IntDistribution(8, 16)})


def test_search_space_values_must_be_distributions(data):
    X, y = data
    with pytest.raises(TypeError, match=r"search_space\['epochs'\] must be an optuna distribution"):
        tune(X, y, n_trials=1, search_space={"epochs": 3})


def test_fixed_and_searched_parameter_is_an_error(data):
    X, y = data
    with pytest.raises(ValueError, match=r"\['hidden_units'\] are both fixed in params and"):
        tune(X, y, n_trials=1, search_space=SPACE, params={"hidden_units": 8})


def test_tuning_needs_a_validation_split(data):
    X, y = data
    with pytest.raises(ValueError, match="validation_fraction=0 leaves none"):
        tune(X, y, n_trials=1, search_space=SPACE, params={"validation_fraction": 0.0})


def test_unknown_objective_names_the_closest(data):
    X, y = data
    with pytest.raises(ValueError, match="Unknown objective 'acuracy'.*Did you mean 'accuracy'"):
        tune(X, y, n_trials=1, objectives=("acuracy",))


def test_tune_validates_its_arguments(data):
    X, y = data
    with pytest.raises(InvalidParameterError, match="'n_trials' parameter of tune must be"):
        tune(X, y, n_trials=0)
    with pytest.raises(InvalidParameterError, match="'random_state' parameter of tune must be"):
        tune(X, y, n_trials=1, random_state=-1)


def test_trial_value_is_the_validation_accuracy_of_the_kept_weights(data):
    X, y = data
    study = tune(X, y, n_trials=1, search_space=SPACE, params=FIXED, random_state=0)
    (trial,) = study.trials
    assert trial.state == TrialState.COMPLETE
    assert trial.user_attrs["mlp_params"] == {"random_state": 0, **FIXED, **trial.params}
    assert trial.user_attrs["epochs_run"] == 3

    # The same parameters and seed refit the same model; its validation split is the one
    # FashionMLP held out, and the trial's value is the accuracy there.
    pipe = best_pipeline(study, X, y)
    mlp = pipe[-1]
    _, val = mlp._validation_split(pipe[0].transform(X), y)
    assert len(val) == 18
    accuracy = accuracy_score(y[val], pipe.predict(X[val]))
    assert trial.value == pytest.approx(accuracy, abs=1e-6)
    assert trial.value == mlp.history_["val_accuracy"][mlp.best_epoch_ - 1]
    assert trial.user_attrs["best_epoch"] == mlp.best_epoch_
    # Every epoch was reported to the trial, as step epoch - 1.
    assert trial.intermediate_values == dict(enumerate(mlp.history_["val_accuracy"]))


def test_default_pruner_is_the_median_pruner_after_five_trials_and_two_epochs(data):
    X, y = data
    study = tune(X, y, n_trials=1, search_space=SPACE, params={**FIXED, "epochs": 1})
    pruner = study.pruner
    assert type(pruner) is optuna.pruners.MedianPruner
    assert (pruner._n_startup_trials, pruner._n_warmup_steps) == (5, 2)
    assert (pruner._interval_steps, pruner._n_min_trials) == (1, 1)


def test_tune_is_reproducible_with_random_state(data):
    X, y = data
    (first,), (second,) = (
        tune(X, y, n_trials=1, search_space=SPACE, params=FIXED, random_state=7).trials
        for _ in range(2)
    )
    assert (first.params, first.value, first.intermediate_values) == (
        second.params,
        second.value,
        second.intermediate_values,
    )


def test_bad_learning_rate_is_pruned_by_the_median_pruner(data):
    X, y = data
    space = {**SPACE, "learning_rate": FloatDistribution(1e-9, 1e-1, log=True)}
    good = [{"hidden_units": h, "learning_rate": 1e-2} for h in (8, 12, 16)]
    bad = {"hidden_units": 8, "learning_rate": 1e-9}
    study = tune(
        X,
        y,
        n_trials=4,
        search_space=space,
        params=FIXED,
        enqueue=[*good, bad],
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1),
        random_state=0,
    )
    states = [t.state for t in study.trials]
    assert states == [TrialState.COMPLETE] * 3 + [TrialState.PRUNED]
    pruned = study.trials[3]
    assert pruned.params == bad
    # Epoch 1 is warm-up; the trial stops at the end of epoch 2, below the others' median.
    assert sorted(pruned.intermediate_values) == [0, 1]
    others = [t.intermediate_values[1] for t in study.trials[:3]]
    assert pruned.intermediate_values[1] < np.median(others)
    assert "epochs_run" not in pruned.user_attrs


def test_diverging_trial_fails_with_its_reason_and_the_study_goes_on(data):
    X, y = data
    space = {**SPACE, "learning_rate": FloatDistribution(1e-3, 1e30, log=True)}
    study = tune(
        X,
        y,
        n_trials=2,
        search_space=space,
        params=FIXED,
        enqueue=[{"hidden_units": 8, "learning_rate": 1e30}],
        random_state=0,
    )
    failed, after = study.trials
    assert failed.state == TrialState.FAIL
    assert failed.user_attrs["fail_reason"] == "FloatingPointError: training loss is nan at epoch 1"
    assert after.state == TrialState.COMPLETE


def test_errors_outside_catch_stop_the_study(data):
    X, y = data
    # catch decides which errors belong to one parameter set; any other ends the study.
    with pytest.raises(FloatingPointError, match="training loss is nan"):
        tune(
            X,
            y,
            n_trials=2,
            search_space={**SPACE, "learning_rate": FloatDistribution(1e-3, 1e30, log=True)},
            params=FIXED,
            enqueue=[{"hidden_units": 8, "learning_rate": 1e30}],
            catch=(),
            random_state=0,
        )


def test_pruning_callback_rejects_a_metric_the_fit_does_not_log(data):
    X, y = data
    trial = optuna.create_study(direction="maximize").ask()
    pipe = make_fashion_pipeline(hidden_units=8, epochs=1, random_state=0)
    expected = (
        r"PruningCallback monitors 'val_acc', but the fit logs only \['accuracy', "
        r"'learning_rate', 'loss', 'val_accuracy', 'val_loss'\]. Did you mean 'val_accuracy'\?"
    )
    with pytest.raises(ValueError, match=expected):
        pipe.fit(X, y, mlp__callbacks=[PruningCallback(trial, monitor="val_acc")])


def test_pruning_callback_reports_every_epoch_to_the_trial(data):
    X, y = data
    study = optuna.create_study(direction="maximize")
    trial = study.ask()
    pipe = make_fashion_pipeline(hidden_units=8, epochs=3, random_state=0)
    pipe.fit(X, y, mlp__callbacks=[PruningCallback(trial, monitor="loss")])
    study.tell(trial, 0.0)
    assert isinstance(PruningCallback(trial), keras.callbacks.Callback)
    assert study.trials[0].intermediate_values == dict(enumerate(pipe[-1].history_["loss"]))


def test_resumed_study_draws_new_parameter_sets(data):
    X, y = data
    storage = InMemoryStorage()
    kwargs = dict(search_space=SPACE, params={**FIXED, "epochs": 1}, storage=storage)
    tune(X, y, n_trials=2, random_state=0, **kwargs)
    study = tune(X, y, n_trials=2, random_state=0, **kwargs)
    assert [t.number for t in study.trials] == [0, 1, 2, 3]
    earlier = [t.params for t in study.trials[:2]]
    resumed = [t.params for t in study.trials[2:]]
    assert all(params not in earlier for params in resumed)


def test_a_sampler_seeded_once_would_replay_a_resumed_study():
    # Why tune seeds each trial: Optuna's own sampler, seeded the same way on resume,
    # draws the earlier parameters again. This is the failure the test above rules out.
    storage = InMemoryStorage()
    for _ in range(2):
        study = optuna.create_study(
            storage=storage,
            study_name="replay",
            sampler=optuna.samplers.TPESampler(seed=0),
            load_if_exists=True,
        )
        study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    params = [t.params for t in study.trials]
    assert params[3:] == params[:3]


def test_resuming_with_other_objectives_is_an_error(data):
    X, y = data
    storage = InMemoryStorage()
    kwargs = dict(search_space=SPACE, params={**FIXED, "epochs": 1}, storage=storage)
    kwargs["random_state"] = 0
    tune(X, y, n_trials=1, objectives=("accuracy", "neuron_health"), **kwargs)
    with pytest.raises(ValueError, match=r"optimises \('accuracy', 'neuron_health'\), not"):
        tune(X, y, n_trials=1, objectives=("neuron_health", "accuracy"), **kwargs)


def test_multi_objective_study_reports_a_pareto_front_of_accuracy_and_health(data):
    X, y = data
    assert OBJECTIVES == ("accuracy", "neuron_health")
    study = tune(
        X,
        y,
        n_trials=2,
        search_space=SPACE,
        params=FIXED,
        objectives=("accuracy", "neuron_health"),
        random_state=0,
    )
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2
    # Optuna cannot prune multi-objective trials: nothing is reported per epoch.
    assert all(t.intermediate_values == {} for t in study.trials)
    for trial in study.trials:
        pipe = best_pipeline(study, X, y, trial=trial)
        # Alive: the LeakyReLU output reaches neuron_health's threshold, 1e-4, for some
        # image; above 0 the output is the Dense layer's pre-activation itself.
        kernel, bias = pipe[-1].model_.get_layer("hidden").get_weights()
        pre_activation = pipe[0].transform(X) @ kernel + bias
        alive = float(np.mean(pre_activation.max(axis=0) >= 1e-4))
        assert trial.values[1] == pytest.approx(alive)
    front = study.best_trials
    assert front
    for trial in front:
        assert not any(
            all(o >= t for o, t in zip(other.values, trial.values, strict=True))
            and other.values != trial.values
            for other in study.trials
        )


def test_best_pipeline_refits_the_best_parameters(data):
    X, y = data
    study = tune(X, y, n_trials=1, search_space=SPACE, params=FIXED, random_state=0)
    pipe = best_pipeline(study, X, y, epochs=1)
    mlp = pipe[-1]
    best = study.best_trial
    assert mlp.get_params()["hidden_units"] == best.params["hidden_units"]
    assert mlp.get_params()["learning_rate"] == best.params["learning_rate"]
    assert mlp.get_params()["batch_size"] == 16
    assert mlp.get_params()["epochs"] == 1 and len(mlp.history_["loss"]) == 1
    assert mlp.classes_.tolist() == [0, 1, 2]
    predictions = pipe.predict(X)
    assert predictions.shape == (180,)
    assert set(predictions.tolist()) <= {0, 1, 2}


def test_best_pipeline_of_a_multi_objective_study_needs_a_trial(data):
    X, y = data
    study = optuna.create_study(directions=["maximize", "maximize"])
    study.add_trial(
        optuna.trial.create_trial(
            params={"hidden_units": 8},
            distributions={"hidden_units": IntDistribution(8, 16)},
            values=[0.5, 1.0],
        )
    )
    with pytest.raises(ValueError, match="2 objectives and 1 Pareto-optimal trials; pick one"):
        best_pipeline(study, X, y)
    pipe = best_pipeline(study, X, y, trial=0, epochs=1, random_state=0)
    assert pipe[-1].hidden_units == 8


def test_best_pipeline_refuses_a_trial_that_did_not_complete(data):
    X, y = data
    study = optuna.create_study()
    study.add_trial(optuna.trial.create_trial(state=TrialState.FAIL))
    with pytest.raises(ValueError, match="Trial 0 is FAIL, not COMPLETE"):
        best_pipeline(study, X, y, trial=0)


def test_make_storage_names_each_kind(tmp_path):
    assert isinstance(make_storage(None), InMemoryStorage)
    storage = InMemoryStorage()
    assert make_storage(storage) is storage
    journal = make_storage(tmp_path / "study.journal")
    assert isinstance(journal, JournalStorage)
    assert (tmp_path / "study.journal").is_file()
    sqlite = make_storage(f"sqlite:///{tmp_path / 'study.db'}")
    assert isinstance(sqlite, RDBStorage)
    assert sqlite.engine_kwargs == {"connect_args": {"timeout": SQLITE_TIMEOUT}}
    assert SQLITE_TIMEOUT == 60


def test_tune_on_postgresql(data, postgres_url):
    X, y = data
    kwargs = dict(
        search_space=SPACE,
        params={**FIXED, "epochs": 1},
        storage=postgres_url,
        study_name="library",
        random_state=0,
    )
    tune(X, y, n_trials=1, **kwargs)
    tune(X, y, n_trials=1, **kwargs)
    study = optuna.load_study(study_name="library", storage=make_storage(postgres_url))
    assert [t.state for t in study.trials] == [TrialState.COMPLETE] * 2
    assert study.trials[0].params != study.trials[1].params
    assert study.user_attrs == {"objectives": ["accuracy"]}


def test_grid_search_over_the_pipeline(data):
    X, y = data
    pipe = make_fashion_pipeline(hidden_units=8, epochs=2, batch_size=16, random_state=0)
    grid = {"mlp__learning_rate": [1e-3, 1e-2]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert search.cv_results_["params"] == [
        {"mlp__learning_rate": 1e-3},
        {"mlp__learning_rate": 1e-2},
    ]
    # Each candidate's score is cross_val_score of the same pipeline on the same folds
    # (stratified: FashionMLP is a classifier), seeds fixed.
    expected = [
        cross_val_score(clone(pipe).set_params(mlp__learning_rate=lr), X, y, cv=2).mean()
        for lr in (1e-3, 1e-2)
    ]
    assert_allclose(search.cv_results_["mean_test_score"], expected, rtol=1e-6)
    best = int(np.argmax(expected))
    assert search.best_params_ == {"mlp__learning_rate": (1e-3, 1e-2)[best]}
    assert search.best_score_ == pytest.approx(expected[best], rel=1e-6)
    assert search.best_estimator_[-1].learning_rate == search.best_params_["mlp__learning_rate"]
    assert search.predict(X[:5]).shape == (5,)


def test_randomized_search_over_the_pipeline(data):
    X, y = data
    pipe = make_fashion_pipeline(hidden_units=8, epochs=2, batch_size=16, random_state=0)
    distributions = {"mlp__learning_rate": loguniform(1e-4, 1e-1), "mlp__hidden_units": [8, 16]}
    search = RandomizedSearchCV(
        pipe, distributions, n_iter=2, cv=2, refit=False, random_state=0
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 2
    learning_rates = [p["mlp__learning_rate"] for p in search.cv_results_["params"]]
    assert all(1e-4 <= lr <= 1e-1 for lr in learning_rates)
    assert search.cv_results_["split0_test_score"].shape == (2,)
    assert search.best_params_ in search.cv_results_["params"]
