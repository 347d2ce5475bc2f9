"""Tests for skfmnist._persist: atomic writes and the pickle-free model file."""

import json
import os
import re
import zipfile

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skfmnist import (
    FashionMLP,
    PixelScaler,
    load_model,
    make_fashion_pipeline,
    neuron_health,
    save_model,
)
from skfmnist._io import atomic_write, atomic_write_all

RNG = np.random.default_rng(0)
X = RNG.integers(0, 256, (60, 784), dtype=np.uint8)
INT_LABELS = np.arange(60) % 3
STR_LABELS = np.array(["coat", "shirt", "bag"])[INT_LABELS]


def _fit_pipeline(y):
    return make_fashion_pipeline(hidden_units=8, epochs=2, random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def int_pipe():
    return _fit_pipeline(INT_LABELS)


def _tmp_files(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


# --- atomic_write -------------------------------------------------------------------------


def test_atomic_write_writes_the_content(tmp_path):
    path = atomic_write(tmp_path / "a.txt", lambda file: file.write(b"hello"))
    assert path == tmp_path / "a.txt"
    assert path.read_bytes() == b"hello"
    assert _tmp_files(tmp_path) == []


def test_atomic_write_failure_keeps_the_old_file_and_leaves_no_temp_file(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"old")

    def fail_halfway(file):
        file.write(b"half of the new")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        atomic_write(path, fail_halfway)
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_atomic_write_gives_the_usual_permissions(tmp_path):
    umask = os.umask(0o022)
    try:
        path = atomic_write(tmp_path / "a.txt", lambda file: file.write(b"x"))
    finally:
        os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o644


# --- save_model / load_model --------------------------------------------------------------


@pytest.mark.parametrize(
    "y",
    [INT_LABELS, STR_LABELS, STR_LABELS.astype(object)],
    ids=["int", "str", "object"],
)
def test_reloaded_pipeline_predicts_identically(tmp_path, y):
    pipe = _fit_pipeline(y)
    path = save_model(pipe, tmp_path / "model.skfmnist")
    assert path == tmp_path / "model.skfmnist"
    loaded = load_model(path)

    assert isinstance(loaded, Pipeline)
    assert [name for name, _ in loaded.steps] == ["scale", "mlp"]
    assert np.array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    predicted = loaded.predict(X)
    assert np.array_equal(predicted, pipe.predict(X))
    assert predicted.dtype == pipe.predict(X).dtype
    mlp, original = loaded[-1], pipe[-1]
    assert mlp.classes_.tolist() == original.classes_.tolist()
    assert mlp.classes_.dtype == original.classes_.dtype
    assert mlp.get_params() == original.get_params()
    assert mlp.history_ == original.history_
    assert mlp.best_epoch_ == original.best_epoch_
    assert loaded[0].n_features_in_ == 784


def test_reloaded_bare_mlp_predicts_identically_and_keeps_its_health(tmp_path):
    X_scaled = PixelScaler().fit_transform(X)
    mlp = FashionMLP(hidden_units=8, epochs=1, random_state=0).fit(X_scaled, INT_LABELS)
    loaded = load_model(save_model(mlp, tmp_path / "mlp.skfmnist"))
    assert type(loaded) is FashionMLP
    assert np.array_equal(loaded.predict_proba(X_scaled), mlp.predict_proba(X_scaled))
    np.testing.assert_array_equal(
        neuron_health(loaded, X_scaled).max_activation, neuron_health(mlp, X_scaled).max_activation
    )


def test_model_file_holds_json_and_a_keras_network_and_no_pickle(tmp_path, int_pipe):
    path = save_model(int_pipe, tmp_path / "model.skfmnist")
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["model.keras", "pipeline.json"]
        document = json.loads(archive.read("pipeline.json"))
        with zipfile.ZipFile(archive.open("model.keras")) as network:
            assert not any(name.endswith((".pkl", ".pickle")) for name in network.namelist())
    assert document["format"] == "skfmnist-model" and document["format_version"] == 1
    scale, mlp = document["steps"]
    assert scale == {"name": "scale", "class": "PixelScaler", "n_features_in": 784}
    assert mlp["class"] == "FashionMLP"
    assert mlp["classes"] == [0, 1, 2] and mlp["y_dtype"] == "<i8"
    assert mlp["X_dtype"] == "<f4" and mlp["X_shape"] == [784]
    assert mlp["params"]["hidden_units"] == 8 and mlp["params"]["random_state"] == 0


def test_random_state_instance_is_saved_as_none(tmp_path):
    X_scaled = PixelScaler().fit_transform(X)
    mlp = FashionMLP(hidden_units=4, epochs=1, random_state=np.random.RandomState(0))
    loaded = load_model(save_model(mlp.fit(X_scaled, INT_LABELS), tmp_path / "m.skfmnist"))
    assert loaded.random_state is None
    assert np.array_equal(loaded.predict_proba(X_scaled), mlp.predict_proba(X_scaled))


def test_saving_over_a_file_replaces_it_and_leaves_no_temp_file(tmp_path, int_pipe):
    path = tmp_path / "model.skfmnist"
    path.write_bytes(b"previous")
    save_model(int_pipe, path)
    assert zipfile.is_zipfile(path)
    assert _tmp_files(tmp_path) == []


def test_unsupported_pipeline_is_rejected_and_the_old_file_kept(tmp_path):
    path = tmp_path / "model.skfmnist"
    path.write_bytes(b"previous")
    X_scaled = PixelScaler().fit_transform(X)
    mlp = FashionMLP(hidden_units=4, epochs=1, random_state=0).fit(X_scaled, INT_LABELS)
    pipe = Pipeline([("std", StandardScaler().fit(X_scaled)), ("mlp", mlp)])
    with pytest.raises(
        TypeError,
        match=r"^save_model supports pipelines of PixelScaler and FashionMLP; step 'std' is "
        r"a StandardScaler\. Use pickle or joblib",
    ):
        save_model(pipe, path)
    with pytest.raises(TypeError, match="save_model saves a FashionMLP or a pipeline ending"):
        save_model(StandardScaler().fit(X_scaled), path)
    assert path.read_bytes() == b"previous"


def test_unfitted_pipeline_cannot_be_saved(tmp_path):
    with pytest.raises(NotFittedError):
        save_model(make_fashion_pipeline(), tmp_path / "model.skfmnist")
    assert list(tmp_path.iterdir()) == []


def test_missing_file_raises_file_not_found(tmp_path):
    path = tmp_path / "nothing.skfmnist"
    with pytest.raises(FileNotFoundError, match=f"^No skfmnist model file at '{path}'\\.$"):
        load_model(path)


def test_file_that_is_not_a_zip_is_reported(tmp_path):
    path = tmp_path / "model.skfmnist"
    path.write_bytes(b"\x80\x04 not a model")
    with pytest.raises(
        ValueError,
        match=f"^'{path}' is not a valid skfmnist model file \\(a zip archive with "
        r"pipeline\.json and model\.keras\): File is not a zip file$",
    ):
        load_model(path)


def test_truncated_file_is_reported(tmp_path, int_pipe):
    path = save_model(int_pipe, tmp_path / "model.skfmnist")
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(ValueError, match="is not a valid skfmnist model file"):
        load_model(path)


def _rewrite(path, **members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name.replace("_", "."), content)


def test_zip_without_the_expected_members_is_reported(tmp_path):
    path = tmp_path / "model.skfmnist"
    _rewrite(path, other_txt="x")
    with pytest.raises(ValueError, match="There is no item named 'pipeline.json' in the archive"):
        load_model(path)


def test_other_json_format_is_reported(tmp_path):
    path = tmp_path / "model.skfmnist"
    _rewrite(path, pipeline_json=json.dumps({"format": "other"}), model_keras=b"")
    with pytest.raises(ValueError, match=r"is not a skfmnist model file \(format is not"):
        load_model(path)


def test_newer_format_version_asks_for_an_upgrade(tmp_path):
    path = tmp_path / "model.skfmnist"
    document = {"format": "skfmnist-model", "format_version": 2}
    _rewrite(path, pipeline_json=json.dumps(document), model_keras=b"")
    with pytest.raises(
        ValueError,
        match=r"has model format version 2; this skfmnist reads version 1 and older\. "
        r"Upgrade skfmnist to load it\.$",
    ):
        load_model(path)


def test_corrupt_keras_network_is_reported(tmp_path, int_pipe):
    path = save_model(int_pipe, tmp_path / "model.skfmnist")
    with zipfile.ZipFile(path) as archive:
        document = archive.read("pipeline.json")
    _rewrite(path, pipeline_json=document, model_keras=b"garbage")
    with pytest.raises(ValueError, match=f"^'{path}' holds a corrupt Keras network: "):
        load_model(path)


def test_atomic_write_all_replaces_nothing_when_a_later_file_fails(tmp_path):
    first, second = tmp_path / "a.png", tmp_path / "metrics.json"
    first.write_bytes(b"old a")
    second.write_bytes(b"old m")

    def fail(file):
        file.write(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="^disk full$"):
        atomic_write_all([(first, lambda file: file.write(b"new a")), (second, fail)])
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {
        "a.png": b"old a",
        "metrics.json": b"old m",
    }
    paths = atomic_write_all(
        [(first, lambda f: f.write(b"new a")), (second, lambda f: f.write(b"m"))]
    )
    assert paths == [first, second]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {
        "a.png": b"new a",
        "metrics.json": b"m",
    }


def _without(mapping, key):
    return {k: v for k, v in mapping.items() if k != key}


@pytest.mark.parametrize(
    "edit, problem",
    [
        (lambda d: _without(d, "steps"), "'steps' is missing"),
        (lambda d: d | {"pipeline": 1}, "'pipeline' must be a boolean, got 1"),
        (lambda d: d | {"steps": []}, "'steps' is empty"),
        (lambda d: d | {"steps": ["scale"]}, "steps[0] must be an object, got str"),
        (
            lambda d: d | {"steps": [_without(d["steps"][0], "n_features_in"), d["steps"][1]]},
            "steps[0]['n_features_in'] is missing",
        ),
        (
            lambda d: d | {"steps": [d["steps"][0] | {"n_features_in": "784"}, d["steps"][1]]},
            "steps[0]['n_features_in'] must be an integer, got \"784\"",
        ),
        (
            lambda d: d | {"steps": [d["steps"][0] | {"class": "StandardScaler"}, d["steps"][1]]},
            "steps[0] has the unknown class 'StandardScaler' (expected one of PixelScaler, "
            "FashionMLP)",
        ),
        (
            lambda d: d | {"steps": [d["steps"][0], _without(d["steps"][1], "classes")]},
            "steps[1]['classes'] is missing",
        ),
        (
            lambda d: d | {"steps": [d["steps"][0], d["steps"][1] | {"best_epoch": "2"}]},
            "steps[1]['best_epoch'] must be an integer or null, got \"2\"",
        ),
        (
            lambda d: d | {"steps": [d["steps"][1], d["steps"][0]]},
            "steps[0] is a FashionMLP but not the last step",
        ),
        (lambda d: d | {"steps": d["steps"][:1]}, "the last step is not a FashionMLP"),
        (lambda d: d | {"pipeline": False}, "a bare FashionMLP has 1 step, not 2"),
        (
            lambda d: (
                d
                | {
                    "steps": [
                        d["steps"][0],
                        d["steps"][1] | {"params": d["steps"][1]["params"] | {"hiden_units": 8}},
                    ]
                }
            ),
            "steps[1] cannot be rebuilt: FashionMLP.__init__() got an unexpected keyword "
            "argument 'hiden_units'",
        ),
        (
            lambda d: d | {"steps": [d["steps"][0], d["steps"][1] | {"y_dtype": "nonsense"}]},
            "steps[1] cannot be rebuilt: data type 'nonsense' not understood",
        ),
    ],
)
def test_malformed_pipeline_json_is_reported_with_the_problem(tmp_path, int_pipe, edit, problem):
    path = save_model(int_pipe, tmp_path / "model.skfmnist")
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read("pipeline.json"))
        network = archive.read("model.keras")
    _rewrite(path, pipeline_json=json.dumps(edit(document)), model_keras=network)
    message = f"'{path}' is a malformed skfmnist model file: pipeline.json: {problem}."
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        load_model(path)
