"""Tests for the command line (skfmnist._cli) and the image conversion of ``predict``.

Fast tests run ``main([...])`` in-process on small synthetic Fashion-MNIST files (with a
matching checksum table), plus ``python -m skfmnist predict`` in a subprocess. Tests
marked slow run the real command on the real data.
"""

import argparse
import gzip
import hashlib
import http.server
import json
import logging
import os
import platform
import re
import signal
import struct
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from skfmnist import (
    CLASS_NAMES,
    _data,
    _persist,
    fetch_fashion_mnist,
    load_model,
    neuron_health,
    save_model,
)
from skfmnist._cli import main
from skfmnist._cmdline import (
    VERSIONED_PACKAGES,
    format_table,
    int_at_least,
    json_default,
    library_versions,
    print_table,
    stratified_subset,
    write_json,
)
from skfmnist._images import ImageFileError, load_image
from skfmnist._pipeline import make_fashion_pipeline

OUTPUT_FILES = [
    "activation_distribution.png",
    "confusion_matrix.png",
    "fashion_mnist_samples_normalized.png",
    "fashion_mnist_samples_raw.png",
    "metrics.json",
    "model.skfmnist",
    "per_category_accuracy.png",
    "training_history.png",
]


@pytest.fixture(autouse=True)
def restore_tensorflow_settings(monkeypatch):
    """main() sets the TF log level for its process; keep the test process as it was."""
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2"))
    logger = logging.getLogger("tensorflow")
    level = logger.level
    yield
    logger.setLevel(level)


# --- synthetic Fashion-MNIST files -------------------------------------------------------


def _synthetic_split(n, seed):
    """Images whose class c has bright rows 2c..2c+3 over faint noise, labels 0..9 cycled."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    images = rng.integers(0, 40, (n, 28, 28), dtype=np.uint8)
    for image, label in zip(images, labels, strict=True):
        image[2 * label + 4 : 2 * label + 8, 4:24] = 220
    return images, labels


TRAIN_IMAGES, TRAIN_LABELS = _synthetic_split(300, seed=0)
TEST_IMAGES, TEST_LABELS = _synthetic_split(100, seed=1)


def _idx(magic, array):
    return struct.pack(f">{1 + array.ndim}I", magic, *array.shape) + array.tobytes()


RAW_FILES = {
    "train-images-idx3-ubyte.gz": _idx(2051, TRAIN_IMAGES),
    "train-labels-idx1-ubyte.gz": _idx(2049, TRAIN_LABELS.astype(np.uint8)),
    "t10k-images-idx3-ubyte.gz": _idx(2051, TEST_IMAGES),
    "t10k-labels-idx1-ubyte.gz": _idx(2049, TEST_LABELS.astype(np.uint8)),
}


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    """A folder with the synthetic files, accepted by the fetcher's checksum table."""
    home = tmp_path / "data"
    home.mkdir()
    for name, raw in RAW_FILES.items():
        (home / name).write_bytes(gzip.compress(raw, mtime=0))
    checksums = {name: hashlib.sha256(raw).hexdigest() for name, raw in RAW_FILES.items()}
    monkeypatch.setattr(_data, "CHECKSUMS", checksums)
    return home


# The main job must run without warnings from our code or the libraries. One exception:
# Keras 3.15 itself calls np.array(x) on TensorFlow tensors (keras/src/backend/tensorflow/
# core.py), and NumPy 2 deprecates their copy-less __array__; nothing of ours is involved.
def no_warnings(test):
    """Turn every warning into an error, but the one above."""
    ignore_keras = pytest.mark.filterwarnings(
        "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
    )
    # pytest applies the mark furthest from the function last: it takes precedence.
    return ignore_keras(pytest.mark.filterwarnings("error")(test))


def _run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


# --- the main job, fast ------------------------------------------------------------------


@no_warnings
def test_main_job_writes_every_output_consistently(tmp_path, data_home, capsys):
    out_dir = tmp_path / "out"
    status, out, err = _run(capsys, "--epochs", 2, "--data-home", data_home, "--out", out_dir)
    assert (status, err) == (0, "")
    assert sorted(p.name for p in out_dir.iterdir()) == OUTPUT_FILES

    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["train_size"] == 300 and metrics["test_size"] == 100
    assert metrics["train_class_counts"] == [30] * 10
    assert metrics["random_state"] == 0
    assert metrics["epochs_run"] == 2
    history = metrics["history"]
    assert metrics["best_epoch"] == 1 + int(np.argmax(history["val_accuracy"]))
    assert metrics["best_val_accuracy"] == history["val_accuracy"][metrics["best_epoch"] - 1]
    assert metrics["parameters"]["epochs"] == 2 and metrics["parameters"]["hidden_units"] == 256
    assert metrics["cv"] is None
    assert metrics["files"] == [
        "fashion_mnist_samples_raw.png",
        "fashion_mnist_samples_normalized.png",
        "training_history.png",
        "activation_distribution.png",
        "per_category_accuracy.png",
        "confusion_matrix.png",
        "model.skfmnist",
        "metrics.json",
    ]
    assert set(metrics["versions"]) == {
        "skfmnist",
        "tensorflow",
        "keras",
        "scikeras",
        "scikit-learn",
        "numpy",
        "matplotlib",
        "pillow",
        "python",
    }
    assert metrics["machine"]["cpu_count"] == os.cpu_count()

    rows = metrics["per_class"]
    assert [r["class"] for r in rows] == list(CLASS_NAMES)
    assert [r["total"] for r in rows] == [10] * 10
    assert metrics["test_accuracy"] == sum(r["correct"] for r in rows) / 100

    # The saved model reproduces the reported figures exactly.
    model = load_model(out_dir / "model.skfmnist")
    predicted = model.predict(TEST_IMAGES.reshape(100, -1))
    assert [int(np.sum(predicted[TEST_LABELS == c] == c)) for c in range(10)] == [
        r["correct"] for r in rows
    ]
    health = neuron_health(model, TRAIN_IMAGES.reshape(300, -1))
    assert metrics["dead_neuron_count"] == health.n_dead
    assert metrics["dead_neuron_fraction"] == health.dead_fraction
    assert metrics["dead_neuron_threshold"] == 1e-4

    lines = out.splitlines()
    assert lines[0].startswith("skfmnist ") and lines[0].endswith(
        "training on 300 Fashion-MNIST images, testing on 100 (random_state=0)."
    )
    epoch_lines = [line for line in lines if line.startswith("epoch ")]
    assert len(epoch_lines) == 2
    assert re.fullmatch(
        r"epoch 1/2  loss \d\.\d{4}  acc \d\.\d{4}  val_loss \d\.\d{4}  val_acc \d\.\d{4}  "
        r"lr 1\.0e-03  \d+\.\ds",
        epoch_lines[0],
    )
    assert f"  test accuracy               {metrics['test_accuracy']:.4f}" in lines
    assert "  class        correct  total  accuracy       95% CI" in lines
    assert f'Reload the model: skfmnist.load_model("{out_dir.as_posix()}/model.skfmnist")' in lines


@no_warnings
def test_cross_validation_and_train_size_are_reported(tmp_path, data_home, capsys):
    out_dir = tmp_path / "out"
    status, out, err = _run(
        capsys,
        # Folds of 100 images: the smallest whose 10% validation split covers 10 classes.
        *("--epochs", 1, "--train-size", 200, "--cv", 2, "--random-state", 3),
        *("--data-home", data_home, "--out", out_dir),
    )
    assert (status, err) == (0, "")
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["train_size"] == 200 and metrics["random_state"] == 3
    # 300 images, 30 per class: the stratified 200 are exactly 20 per class.
    assert metrics["train_class_counts"] == [20] * 10
    assert metrics["threads"] is None
    cv = metrics["cv"]
    assert cv["folds"] == 2 and len(cv["fit_seconds"]) == 2
    for name in ("accuracy", "neuron_health"):
        folds = cv[name]["per_fold"]
        assert len(folds) == 2 and all(0 <= value <= 1 for value in folds)
        assert cv[name]["mean"] == pytest.approx(np.mean(folds))
        assert cv[name]["std"] == pytest.approx(np.std(folds))
    assert "Cross-validation fold 1/2" in out and "Cross-validation fold 2/2" in out
    accuracy = cv["accuracy"]
    expected = f"  cv accuracy (2 folds)       {accuracy['mean']:.4f} +- {accuracy['std']:.4f}"
    assert expected in out.splitlines()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--epochs", "0"], "argument --epochs: expected an integer >= 1 (epochs), got '0'"),
        (["--cv", "1"], "argument --cv: expected an integer >= 2 (folds), got '1'"),
        (
            ["--train-size", "many"],
            "argument --train-size: expected an integer >= 1 (training images), got 'many'",
        ),
        (
            ["--random-state", "-1"],
            "argument --random-state: expected an integer >= 0 (a seed), got '-1'",
        ),
        (
            ["--threads", "0"],
            "argument --threads: expected an integer >= 1 (threads per pool), got '0'",
        ),
        (
            ["frobnicate"],
            "argument {predict}: invalid choice: 'frobnicate' (choose from 'predict')",
        ),
        (["predict", "a.png"], "the following arguments are required: --model"),
    ],
)
def test_usage_errors_exit_2_with_argparse_messages(capsys, argv, message):
    status, out, err = _run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.startswith("usage: skfmnist")
    assert err.splitlines()[-1].endswith(f"error: {message}")


@pytest.mark.parametrize(
    "size, message",
    [
        (301, "skfmnist: error: --train-size: train_size=301 exceeds the 300 samples.\n"),
        (
            9,
            "skfmnist: error: --train-size: train_size=9 is below the number of classes (10); "
            "a stratified subset needs at least one sample per class.\n",
        ),
        (
            299,
            "skfmnist: error: --train-size: train_size=299 leaves out 1 of the 300 samples, "
            "fewer than the 10 classes; a stratified subset leaves out at least one sample per "
            "class, or none (train_size=300).\n",
        ),
    ],
)
def test_train_size_outside_the_data_exits_2(tmp_path, data_home, capsys, size, message):
    argv = ["--train-size", size, "--data-home", data_home, "--out", tmp_path / "out"]
    status, out, err = _run(capsys, *argv)
    assert (status, out, err) == (2, "", message)


def test_help_mentions_predict(capsys):
    status, out, _ = _run(capsys, "--help")
    assert status == 0
    assert "To classify your own images with a saved model: skfmnist predict --help" in out
    assert "--train-size N" in out and "--cv K" in out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def test_failed_download_exits_1_and_leaves_earlier_results_intact(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    handler = lambda *args, **kwargs: _QuietHandler(*args, directory=str(empty), **kwargs)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_port}/"
        monkeypatch.setenv(_data.DATA_URL_ENV, url)
        monkeypatch.setenv("no_proxy", "127.0.0.1")
        out_dir = tmp_path / "out"
        out_dir.mkdir()
        (out_dir / "metrics.json").write_text('{"earlier": true}')
        status, out, err = _run(capsys, "--data-home", tmp_path / "home", "--out", out_dir)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()
    assert (status, out) == (1, "")
    assert err == (
        "skfmnist: error: cannot load Fashion-MNIST: Fashion-MNIST not found in "
        f"{tmp_path / 'home'} (missing train-images-idx3-ubyte.gz); Could not download "
        f"Fashion-MNIST from {url}train-images-idx3-ubyte.gz: HTTP Error 404: File not found\n"
    )
    assert sorted(p.name for p in out_dir.iterdir()) == ["metrics.json"]
    assert (out_dir / "metrics.json").read_text() == '{"earlier": true}'


def test_failed_write_phase_leaves_earlier_results_byte_identical(
    tmp_path, data_home, capsys, monkeypatch
):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    earlier = {name: f"earlier {name}".encode() for name in OUTPUT_FILES}
    for name, content in earlier.items():
        (out_dir / name).write_bytes(content)

    def disk_full_writer(estimator):
        def write(file):
            file.write(b"PK\x03\x04 half a zip")
            raise OSError(28, "No space left on device")

        return write

    # The figures are rendered before the model file fails, metrics.json would come after.
    monkeypatch.setattr(_persist, "model_writer", disk_full_writer)
    status, out, err = _run(capsys, "--epochs", 1, "--data-home", data_home, "--out", out_dir)
    assert status == 1
    assert (
        err == f"skfmnist: error: cannot write to '{out_dir}': [Errno 28] No space left on device\n"
    )
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == earlier


# --- image conversion --------------------------------------------------------------------


def test_light_background_photo_is_inverted_trimmed_padded_and_resized(tmp_path):
    photo = Image.new("RGB", (300, 150), "white")
    photo.paste((0, 0, 0), (100, 50, 200, 100))  # a 100x50 dark article
    photo.save(tmp_path / "photo.png")
    image = load_image(tmp_path / "photo.png")
    assert image.shape == (28, 28) and image.dtype == np.uint8
    # Trimmed to 100x50, padded to 100x100, resized: the article fills rows 7 to 20.
    assert np.all(image[8:20, 1:27] == 255)
    assert np.all(image[:6] == 0) and np.all(image[22:] == 0)


def test_jpeg_of_the_same_photo_converts_alike(tmp_path):
    photo = Image.new("RGB", (300, 150), "white")
    photo.paste((0, 0, 0), (100, 50, 200, 100))
    photo.save(tmp_path / "photo.jpg", quality=90)
    image = load_image(tmp_path / "photo.jpg").astype(int)
    assert image[9:19, 2:26].min() >= 240
    assert image[:5].max() <= 15 and image[23:].max() <= 15


def test_dark_background_image_is_not_inverted(tmp_path):
    grey = Image.new("L", (80, 60), 0)
    grey.paste(200, (30, 20, 50, 30))  # a 20x10 article of grey level 200
    grey.save(tmp_path / "dark.png")
    image = load_image(tmp_path / "dark.png")
    assert np.all(image[8:20, 1:27] == 200)
    assert np.all(image[:6] == 0) and np.all(image[22:] == 0)


def test_transparent_background_counts_as_white(tmp_path):
    rgba = Image.new("RGBA", (50, 50), (0, 0, 0, 0))  # transparent "black"
    rgba.paste((40, 40, 40, 255), (10, 10, 40, 40))
    rgba.save(tmp_path / "cutout.png")
    image = load_image(tmp_path / "cutout.png")
    assert np.all(image[2:26, 2:26] == 215)  # 255 - 40, filling the frame once trimmed


def test_blank_image_becomes_black(tmp_path):
    Image.new("L", (40, 40), 250).save(tmp_path / "blank.png")
    assert np.all(load_image(tmp_path / "blank.png") == 5)


def test_file_that_is_not_an_image_is_reported(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("not a picture")
    with pytest.raises(
        ImageFileError,
        match=f"^'{path}' is not an image file Pillow can read: cannot identify image file",
    ):
        load_image(path)
    with pytest.raises(FileNotFoundError, match="^No image file at '.*missing.png'.$"):
        load_image(tmp_path / "missing.png")


def _photo_8_bit():
    """A light background (240) with a dark article (20), as 8-bit grey pixels."""
    pixels = np.full((60, 90), 240, dtype=np.uint8)
    pixels[15:45, 30:60] = 20
    pixels[20:25, 35:40] = 90  # a mid-grey detail, to compare more than two levels
    return pixels


@pytest.mark.parametrize(
    "mode, suffix",
    [("I;16", ".png"), ("I;16B", ".tiff"), ("I", ".tiff")],
)
def test_16_bit_grey_image_converts_like_its_8_bit_version(tmp_path, mode, suffix):
    pixels = _photo_8_bit()
    Image.fromarray(pixels).save(tmp_path / "8bit.png")
    wide = pixels.astype(np.uint32) * 257  # 8 bits to 16 bits: 240 -> 61680, 255 -> 65535
    dtype = {"I;16": "<u2", "I;16B": ">u2", "I": "<i4"}[mode]
    Image.frombytes(mode, (90, 60), wide.astype(dtype).tobytes()).save(tmp_path / f"16bit{suffix}")
    with Image.open(tmp_path / f"16bit{suffix}") as opened:
        assert opened.mode == mode  # the mode Pillow reads the file as
    expected = load_image(tmp_path / "8bit.png").astype(int)
    image = load_image(tmp_path / f"16bit{suffix}").astype(int)
    assert expected.max() == 235  # the article, inverted: 255 - 20
    assert np.abs(image - expected).max() <= 1


def test_32_bit_integer_image_beyond_16_bits_is_scaled_by_its_maximum(tmp_path):
    wide = _photo_8_bit().astype(np.int64) * 2**20  # 240 -> the maximum
    Image.fromarray(wide.astype(np.int32)).save(tmp_path / "deep.tiff")
    image = load_image(tmp_path / "deep.tiff")
    # Scaled by the maximum (240 -> 255, 20 -> 21, 90 -> 95), inverted, trimmed to the
    # article: 255 - 21 with the detail at 255 - 95.
    assert np.unique(image).tolist() == [160, 234]


def test_decompression_bomb_is_reported_as_an_image_error(tmp_path, monkeypatch):
    Image.new("L", (40, 40), 0).save(tmp_path / "bomb.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    with pytest.raises(
        ImageFileError,
        match=re.escape(
            f"'{tmp_path / 'bomb.png'}' is too large to read safely: Image size (1600 pixels) "
            "exceeds limit of 200 pixels, could be decompression bomb DOS attack."
        ),
    ):
        load_image(tmp_path / "bomb.png")


# --- predict -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def model_path(tmp_path_factory):
    pipe = make_fashion_pipeline(hidden_units=16, epochs=5, learning_rate=1e-2, random_state=0)
    pipe.fit(TRAIN_IMAGES.reshape(300, -1), TRAIN_LABELS)
    return save_model(pipe, tmp_path_factory.mktemp("model") / "model.skfmnist")


@pytest.fixture
def images(tmp_path):
    """A test image enlarged as a dark-background PNG, and inverted as a white JPEG."""
    png = tmp_path / "shirt.png"
    Image.fromarray(TEST_IMAGES[3]).resize((84, 84), Image.Resampling.NEAREST).save(png)
    jpeg = tmp_path / "inverted.jpg"
    Image.fromarray(255 - TEST_IMAGES[7]).convert("RGB").save(jpeg, quality=95)
    return [png, jpeg]


def _expected_predictions(model_path, paths):
    model = load_model(model_path)
    lines = []
    for path in paths:
        proba = model.predict_proba(load_image(path).reshape(1, -1)).ravel()
        lines.append(str(path))
        for rank, label in enumerate(np.argsort(-proba, kind="stable")[:3], start=1):
            lines.append(f"  {rank}. {CLASS_NAMES[label]:<11}  {proba[label]:6.1%}")
    return "\n".join(lines) + "\n"


@no_warnings
def test_predict_prints_the_top_3_classes_per_image(model_path, images, capsys):
    status, out, err = _run(capsys, "predict", "--model", model_path, *images)
    assert (status, err) == (0, "")
    assert out == _expected_predictions(model_path, images)
    lines = out.splitlines()
    assert len(lines) == 8 and lines[0] == str(images[0])
    assert re.fullmatch(r"  1\. [A-Za-z/ -]{11}  [ \d]{2}\d\.\d%", lines[1])


def test_predict_top_option_and_integer_class_names(model_path, images, capsys):
    status, out, _ = _run(capsys, "predict", "--model", model_path, "--top", 20, images[0])
    assert status == 0
    lines = out.splitlines()[1:]
    assert [line[:6] for line in lines] == [f"  {rank:>2}. " for rank in range(1, 11)]
    names = [line[6:17].rstrip() for line in lines]
    assert sorted(names) == sorted(CLASS_NAMES)  # capped at the 10 classes


def test_predict_reports_bad_images_and_still_classifies_the_others(
    tmp_path, model_path, images, capsys
):
    text = tmp_path / "notes.png"
    text.write_text("not a picture")
    missing = tmp_path / "missing.png"
    status, out, err = _run(capsys, "predict", "--model", model_path, text, images[0], missing)
    assert status == 1
    assert err == (
        f"skfmnist predict: error: '{text}' is not an image file Pillow can read: "
        f"cannot identify image file '{text}'\n"
        f"skfmnist predict: error: No image file at '{missing}'.\n"
    )
    assert out == _expected_predictions(model_path, images[:1])


def test_predict_with_a_missing_or_corrupt_model_exits_1(tmp_path, images, capsys):
    missing = tmp_path / "none.skfmnist"
    status, out, err = _run(capsys, "predict", "--model", missing, images[0])
    assert (status, out) == (1, "")
    assert err == (
        f"skfmnist predict: error: cannot load the model: No skfmnist model file at '{missing}'.\n"
    )
    corrupt = tmp_path / "corrupt.skfmnist"
    corrupt.write_bytes(b"garbage")
    status, out, err = _run(capsys, "predict", "--model", corrupt, images[0])
    assert (status, out) == (1, "")
    assert err.startswith(
        f"skfmnist predict: error: cannot load the model: '{corrupt}' is not a valid skfmnist "
        "model file"
    )


def test_predict_with_a_malformed_model_file_exits_1_naming_the_problem(
    tmp_path, model_path, images, capsys
):
    malformed = tmp_path / "malformed.skfmnist"
    with zipfile.ZipFile(model_path) as source, zipfile.ZipFile(malformed, "w") as target:
        document = json.loads(source.read("pipeline.json"))
        document["steps"][0]["class"] = "StandardScaler"
        target.writestr("pipeline.json", json.dumps(document))
        target.writestr("model.keras", source.read("model.keras"))
    status, out, err = _run(capsys, "predict", "--model", malformed, images[0])
    assert (status, out) == (1, "")
    assert err == (
        f"skfmnist predict: error: cannot load the model: '{malformed}' is a malformed "
        "skfmnist model file: pipeline.json: steps[0] has the unknown class 'StandardScaler' "
        "(expected one of PixelScaler, FashionMLP).\n"
    )


def _quiet_env():
    """The environment without a TF log level: the command must be quiet by itself."""
    env = dict(os.environ)
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    return env


def test_python_m_skfmnist_predict_output_is_clean(model_path, images):
    result = subprocess.run(
        [sys.executable, "-m", "skfmnist", "predict", "--model", model_path, *images],
        capture_output=True,
        text=True,
        env=_quiet_env(),
        timeout=300,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == _expected_predictions(model_path, images)


def test_module_runs_as_console_script_entry_point():
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "skfmnist"]
    assert script.value == "skfmnist.__main__:main"
    assert script.load() is main
    assert Path(sys.executable).parent.joinpath("skfmnist").exists()


# --- the real command on the real data ---------------------------------------------------


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_main_job_on_the_full_data(tmp_path):
    out_dir = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "skfmnist", "--epochs", "3", "--out", str(out_dir)],
        capture_output=True,
        text=True,
        env=_quiet_env(),
        timeout=900,
    )
    assert (result.returncode, result.stderr) == (0, "")
    assert sorted(p.name for p in out_dir.iterdir()) == OUTPUT_FILES
    assert all((out_dir / name).stat().st_size > 1000 for name in OUTPUT_FILES)
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["train_size"] == 60_000 and metrics["test_size"] == 10_000
    assert metrics["epochs_run"] == 3
    assert metrics["test_accuracy"] > 0.80
    rows = metrics["per_class"]
    assert [r["class"] for r in rows] == list(CLASS_NAMES)
    assert [r["total"] for r in rows] == [1000] * 10
    assert all(r["ci_low"] < r["accuracy"] < r["ci_high"] for r in rows)
    assert metrics["dead_neuron_count"] == 0 and metrics["dead_neuron_fraction"] == 0.0
    assert len([line for line in result.stdout.splitlines() if line.startswith("epoch ")]) == 3

    X_test, y_test = fetch_fashion_mnist(subset="test", return_X_y=True)
    predicted = load_model(out_dir / "model.skfmnist").predict(X_test)
    assert [int(np.sum(predicted[y_test == c] == c)) for c in range(10)] == [
        r["correct"] for r in rows
    ]
    assert metrics["test_accuracy"] == float(np.mean(predicted == y_test))


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_interrupted_run_leaves_earlier_results_intact(tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    earlier = {name: f"earlier {name}".encode() for name in OUTPUT_FILES}
    for name, content in earlier.items():
        (out_dir / name).write_bytes(content)
    argv = ["--train-size", "20000", "--epochs", "100", "--out", str(out_dir)]
    process = subprocess.Popen(
        [sys.executable, "-m", "skfmnist", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_quiet_env(),
        # A shell's background job inherits SIGINT ignored, and Python then installs no
        # KeyboardInterrupt handler: give the child the default disposition, as a terminal does.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        for line in process.stdout:
            if line.startswith("epoch   2/100"):
                process.send_signal(signal.SIGINT)
                break
        stdout, stderr = process.communicate(timeout=300)
    finally:
        process.kill()
    assert process.returncode == 130
    assert stderr == ("skfmnist: interrupted; files already in place were left as they were.\n")
    assert {p.name: p.read_bytes() for p in out_dir.iterdir()} == earlier


# --- shared command-line helpers (skfmnist._cmdline) -------------------------------------


def test_int_at_least_accepts_the_minimum_and_rejects_below_or_non_integers():
    convert = int_at_least(2, "folds")
    assert convert("2") == 2 and convert("17") == 17
    for text in ("1", "-3", "2.5", "two", ""):
        with pytest.raises(argparse.ArgumentTypeError) as info:
            convert(text)
        assert str(info.value) == f"expected an integer >= 2 (folds), got {text!r}"


def test_format_table_aligns_columns_under_underlined_headers():
    text = format_table([("Coat", 912, 0.5), ("Bag", 7, 0.25)], ("class", "n", "acc"), "<>>")
    assert text == (
        "  class    n   acc\n  -----  ---  ----\n  Coat   912   0.5\n  Bag      7  0.25"
    )
    assert format_table([("a", "b")], None, "<<") == "  a  b"


def test_print_table_prints_the_formatted_table(capsys):
    print_table([("x", 1)], ("k", "v"), "<>")
    assert capsys.readouterr().out == "  k  v\n  -  -\n  x  1\n"


def test_write_json_converts_numpy_values_and_replaces_atomically(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("old")
    data = {"a": np.float32(0.5), "b": np.arange(3), "c": np.int64(7), "d": None}
    assert write_json(path, data) == path
    assert path.read_text() == (
        '{\n  "a": 0.5,\n  "b": [\n    0,\n    1,\n    2\n  ],\n  "c": 7,\n  "d": null\n}\n'
    )
    with pytest.raises(TypeError, match="^Object of type set is not JSON serializable$"):
        write_json(path, {"bad": {1}})
    assert json.loads(path.read_text())["c"] == 7  # the earlier file is intact
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
    assert json_default(np.bool_(True)) is True


def test_library_versions_lists_the_packages_and_python():
    from importlib.metadata import version

    versions = library_versions(["numpy", "no-such-distribution-skfmnist"])
    assert versions == {
        "numpy": version("numpy"),
        "no-such-distribution-skfmnist": None,
        "python": platform.python_version(),
    }
    assert list(library_versions()) == [*VERSIONED_PACKAGES, "python"]


def test_stratified_subset_keeps_class_proportions_and_is_reproducible():
    X = np.arange(600).reshape(300, 2)
    y = np.arange(300) % 10
    X_sub, y_sub = stratified_subset(X, y, 200, random_state=3)
    assert X_sub.shape == (200, 2)
    assert np.bincount(y_sub).tolist() == [20] * 10
    assert np.array_equal(X_sub[:, 0] // 2 % 10, y_sub)  # rows stay with their labels
    X_again, y_again = stratified_subset(X, y, 200, random_state=3)
    assert np.array_equal(X_sub, X_again) and np.array_equal(y_sub, y_again)
    for size in (None, 300):
        X_all, y_all = stratified_subset(X, y, size, random_state=3)
        assert X_all is X and y_all is y


@pytest.mark.parametrize(
    "size, message",
    [
        (301, "train_size=301 exceeds the 300 samples."),
        (
            9,
            "train_size=9 is below the number of classes (10); a stratified subset needs at "
            "least one sample per class.",
        ),
        (
            0,
            "train_size=0 is below the number of classes (10); a stratified subset needs at "
            "least one sample per class.",
        ),
        (
            295,
            "train_size=295 leaves out 5 of the 300 samples, fewer than the 10 classes; a "
            "stratified subset leaves out at least one sample per class, or none "
            "(train_size=300).",
        ),
        (0.5, "train_size must be an integer or None, got 0.5."),
        (True, "train_size must be an integer or None, got True."),
    ],
)
def test_stratified_subset_rejects_sizes_it_cannot_draw(size, message):
    y = np.arange(300) % 10
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        stratified_subset(np.zeros((300, 2)), y, size, random_state=0)


def test_stratified_subset_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="^X and y have different lengths: 5 and 4.$"):
        stratified_subset(np.zeros((5, 2)), np.array([0, 1, 0, 1]), 2)


def test_configure_tensorflow_sets_both_thread_pools_quietly():
    """In a fresh process: the pools are fixed once TensorFlow's runtime starts."""
    code = (
        "import os\n"
        "from skfmnist._cmdline import configure_tensorflow\n"
        "configure_tensorflow(threads=1)\n"
        "import tensorflow as tf\n"
        "tf.constant(1.0) + 1\n"
        "t = tf.config.threading\n"
        "print(t.get_intra_op_parallelism_threads(), t.get_inter_op_parallelism_threads(),\n"
        "      os.environ['TF_NUM_INTRAOP_THREADS'], os.environ['TF_NUM_INTEROP_THREADS'],\n"
        "      os.environ['TF_CPP_MIN_LOG_LEVEL'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_quiet_env(), timeout=300
    )
    assert (result.returncode, result.stderr, result.stdout) == (0, "", "1 1 1 1 3\n")
