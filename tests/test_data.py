"""Tests for skfmnist._data: the Fashion-MNIST fetcher.

Fast tests use tiny IDX files written here (20 train / 10 test images) with a
matching checksum table; downloads go to a real HTTP server on 127.0.0.1.
Tests marked slow read the real Fashion-MNIST files of the Debian package.
"""

import gzip
import hashlib
import http.server
import logging
import os
import re
import shutil
import socket
import struct
import threading
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils._param_validation import InvalidParameterError

from skfmnist import _data
from skfmnist._data import CLASS_NAMES, DataFileError, fetch_fashion_mnist

TRAIN_IMAGES_GZ = "train-images-idx3-ubyte.gz"
TRAIN_LABELS_GZ = "train-labels-idx1-ubyte.gz"
TEST_IMAGES_GZ = "t10k-images-idx3-ubyte.gz"
TEST_LABELS_GZ = "t10k-labels-idx1-ubyte.gz"
ALL_FILES = sorted([TRAIN_IMAGES_GZ, TRAIN_LABELS_GZ, TEST_IMAGES_GZ, TEST_LABELS_GZ])


def _idx(magic, array):
    header = struct.pack(f">{1 + array.ndim}I", magic, *array.shape)
    return header + array.astype(np.uint8).tobytes()


def _images(n, first):
    # Pixel (r, c) of image i is (3 * i + 28 * r + c) % 256: every value is checkable.
    i, r, c = np.ogrid[first : first + n, :28, :28]
    return ((3 * i + 28 * r + c) % 256).astype(np.uint8)


TRAIN_IMAGES = _images(20, first=0)
TEST_IMAGES = _images(10, first=20)
TRAIN_LABELS = np.arange(20) % 10
TEST_LABELS = 9 - np.arange(10)

RAW = {
    TRAIN_IMAGES_GZ: _idx(2051, TRAIN_IMAGES),
    TRAIN_LABELS_GZ: _idx(2049, TRAIN_LABELS),
    TEST_IMAGES_GZ: _idx(2051, TEST_IMAGES),
    TEST_LABELS_GZ: _idx(2049, TEST_LABELS),
}
GZ = {name: gzip.compress(raw, mtime=0) for name, raw in RAW.items()}
FIXTURE_CHECKSUMS = {name: hashlib.sha256(raw).hexdigest() for name, raw in RAW.items()}

DEBIAN_DIR = Path(_data.KNOWN_LOCATIONS[0])
requires_debian_copy = pytest.mark.skipif(
    not DEBIAN_DIR.is_dir(),
    reason=f"{DEBIAN_DIR} is absent (install the Debian package dataset-fashion-mnist)",
)


@pytest.fixture(autouse=True)
def isolated(request, monkeypatch, tmp_path):
    """Keep every test away from the user's data home, proxies and the env var.

    Fast tests also get the fixture checksum table and no known locations, so that
    the real copies on this machine are never read by them.
    """
    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "scikit_learn_data"))
    monkeypatch.delenv(_data.DATA_URL_ENV, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    if request.node.get_closest_marker("slow") is None:
        monkeypatch.setattr(_data, "CHECKSUMS", FIXTURE_CHECKSUMS)
        monkeypatch.setattr(_data, "KNOWN_LOCATIONS", ())


def _write_files(directory, overrides=None):
    """Write the four fixture files to `directory`, `overrides` (name: bytes) first."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in {**GZ, **(overrides or {})}.items():
        (directory / name).write_bytes(content)
    return directory


@pytest.fixture
def data_home(tmp_path):
    return _write_files(tmp_path / "fixture")


@pytest.fixture
def empty_home(tmp_path):
    directory = tmp_path / "empty"
    directory.mkdir()
    return directory


def _load(data_home, **kwargs):
    return fetch_fashion_mnist(data_home=data_home, download_if_missing=False, **kwargs)


# Local files ------------------------------------------------------------------


def test_fetch_train_returns_bunch_with_exact_values(data_home):
    bunch = _load(data_home)

    assert sorted(bunch) == ["DESCR", "data", "images", "target", "target_names"]
    assert bunch.images.shape == (20, 28, 28)
    assert bunch.images.dtype == np.uint8
    np.testing.assert_array_equal(bunch.images, TRAIN_IMAGES)
    assert bunch.images[2, 1, 3] == 37  # 3 * 2 + 28 * 1 + 3
    assert bunch.data.shape == (20, 784)
    assert bunch.data.dtype == np.uint8
    np.testing.assert_array_equal(bunch.data, TRAIN_IMAGES.reshape(20, 784))
    assert bunch.data[2, 28 + 3] == 37
    assert bunch.target.dtype == np.int64
    assert bunch.target.tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] * 2
    assert bunch.target_names == CLASS_NAMES


def test_fetch_returns_writable_arrays_with_data_a_view_of_images(data_home):
    bunch = _load(data_home)

    assert bunch.data.flags.writeable
    assert bunch.target.flags.writeable
    assert np.shares_memory(bunch.data, bunch.images)


def test_fetch_test_subset(data_home):
    bunch = _load(data_home, subset="test")

    assert bunch.data.shape == (10, 784)
    np.testing.assert_array_equal(bunch.images, TEST_IMAGES)
    assert bunch.images[0, 0, 0] == 60  # 3 * 20
    assert bunch.target.tolist() == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]


def test_fetch_all_is_train_then_test(data_home):
    bunch = _load(data_home, subset="all")

    assert bunch.data.shape == (30, 784)
    np.testing.assert_array_equal(bunch.images, np.concatenate([TRAIN_IMAGES, TEST_IMAGES]))
    assert bunch.target.tolist() == list(range(10)) * 2 + list(range(9, -1, -1))
    assert np.shares_memory(bunch.data, bunch.images)


@pytest.mark.parametrize("subset", ["train", "test", "all"])
def test_return_X_y_gives_data_and_target(data_home, subset):
    bunch = _load(data_home, subset=subset)
    X, y = _load(data_home, subset=subset, return_X_y=True)

    np.testing.assert_array_equal(X, bunch.data)
    np.testing.assert_array_equal(y, bunch.target)


def test_class_names_in_label_order():
    assert CLASS_NAMES == (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    )


def test_descr_describes_the_dataset(data_home):
    descr = _load(data_home).DESCR

    for fact in [
        "70,000",
        "28x28",
        "60,000 train, 10,000 test",
        "Zalando Research",
        ":License: MIT",
        "arXiv:1708.07747",
    ]:
        assert fact in descr


@pytest.mark.parametrize(
    "subset, suggestion",
    [("validation", ""), ("training", " Did you mean 'train'?"), ("ALL", " Did you mean 'all'?")],
)
def test_invalid_subset_raises_with_suggestion(subset, suggestion):
    message = (
        "The 'subset' parameter of fetch_fashion_mnist must be one of 'train', 'test' "
        f"or 'all'. Got '{subset}' instead.{suggestion}"
    )
    with pytest.raises(InvalidParameterError, match=f"^{re.escape(message)}$"):
        fetch_fashion_mnist(subset=subset)


def test_missing_files_without_download_raise_oserror_naming_the_folder(empty_home):
    message = (
        f"Fashion-MNIST not found in {empty_home} (missing {TRAIN_IMAGES_GZ}); "
        f"pass download_if_missing=True to download it from {_data.DEFAULT_BASE_URL}"
    )
    with pytest.raises(OSError, match=f"^{re.escape(message)}$"):
        _load(empty_home)


def test_explicit_data_home_ignores_known_locations(monkeypatch, data_home, empty_home):
    monkeypatch.setattr(_data, "KNOWN_LOCATIONS", (str(data_home),))

    with pytest.raises(OSError, match=re.escape(f"Fashion-MNIST not found in {empty_home} (")):
        _load(empty_home)


def test_default_lookup_lists_every_folder_searched(monkeypatch, tmp_path):
    monkeypatch.setattr(_data, "KNOWN_LOCATIONS", (str(tmp_path / "a"), str(tmp_path / "b")))
    default = tmp_path / "scikit_learn_data" / "fashion_mnist"

    message = (
        f"Fashion-MNIST not found in {default}, {tmp_path / 'a'}, {tmp_path / 'b'} "
        f"(missing {TEST_IMAGES_GZ})"
    )
    with pytest.raises(OSError, match=f"^{re.escape(message)}; pass"):
        fetch_fashion_mnist(subset="test", download_if_missing=False)


def test_default_lookup_finds_a_known_copy_without_creating_the_data_home(
    monkeypatch, tmp_path, data_home
):
    monkeypatch.setattr(_data, "KNOWN_LOCATIONS", (str(tmp_path / "absent"), str(data_home)))

    X, y = fetch_fashion_mnist(subset="test", download_if_missing=False, return_X_y=True)

    np.testing.assert_array_equal(X, TEST_IMAGES.reshape(10, 784))
    assert not (tmp_path / "scikit_learn_data" / "fashion_mnist").exists()


def test_default_data_home_comes_before_known_copies(monkeypatch, tmp_path, caplog):
    _write_files(tmp_path / "scikit_learn_data" / "fashion_mnist")
    bad_copy = _write_files(tmp_path / "bad", {TEST_IMAGES_GZ: b"junk"})
    monkeypatch.setattr(_data, "KNOWN_LOCATIONS", (str(bad_copy),))
    caplog.set_level(logging.WARNING, logger="skfmnist")

    bunch = fetch_fashion_mnist(subset="test", download_if_missing=False)

    np.testing.assert_array_equal(bunch.images, TEST_IMAGES)
    assert caplog.records == []


def test_invalid_default_copy_is_skipped_for_a_valid_known_copy(
    monkeypatch, tmp_path, data_home, caplog
):
    default = _write_files(
        tmp_path / "scikit_learn_data" / "fashion_mnist", {TEST_IMAGES_GZ: b"junk"}
    )
    monkeypatch.setattr(_data, "KNOWN_LOCATIONS", (str(data_home),))
    caplog.set_level(logging.WARNING, logger="skfmnist")

    bunch = fetch_fashion_mnist(subset="test", download_if_missing=False)

    np.testing.assert_array_equal(bunch.images, TEST_IMAGES)
    assert [r.getMessage() for r in caplog.records] == [
        f"Invalid Fashion-MNIST data in {default / TEST_IMAGES_GZ}: "
        "not a gzip file (it starts with b'junk'); skipping this copy"
    ]


def _flip_crc(content):
    corrupt = bytearray(content)
    corrupt[-8] ^= 0xFF  # first byte of the CRC-32 in the gzip trailer
    return bytes(corrupt)


OTHER_IMAGES = _idx(2051, np.zeros((20, 28, 28), dtype=np.uint8))
OTHER_DIGEST = hashlib.sha256(OTHER_IMAGES).hexdigest()

CORRUPTIONS = {
    "truncated gzip": (
        GZ[TRAIN_IMAGES_GZ][:200],
        "truncated gzip stream (it ends before its end marker)",
    ),
    "html page": (
        b"<!DOCTYPE html><html><body>Access denied</body></html>",
        "not a gzip file (it starts with b'<!DOCTYPE html><')",
    ),
    "empty file": (b"", "not a gzip file (it starts with b'')"),
    "bad crc": (
        _flip_crc(GZ[TRAIN_IMAGES_GZ]),
        "corrupt gzip stream (Error -3 while decompressing data: incorrect data check)",
    ),
    "trailing garbage": (
        GZ[TRAIN_IMAGES_GZ] + b"garbage",
        "7 bytes of trailing garbage after the gzip stream",
    ),
    "labels as images": (
        GZ[TRAIN_LABELS_GZ],
        "magic number 2049, expected 2051 (images); this looks like a labels file",
    ),
    "unknown magic": (
        gzip.compress(b"\x00\x00\x08\x04" + RAW[TRAIN_IMAGES_GZ][4:]),
        "magic number 2052, expected 2051 (images)",
    ),
    "short header": (
        gzip.compress(RAW[TRAIN_IMAGES_GZ][:10]),
        "IDX header is truncated (10 bytes, expected 16)",
    ),
    "tiny file": (gzip.compress(b"\x00\x08"), "IDX header is truncated (2 bytes)"),
    "not 28x28": (
        gzip.compress(_idx(2051, np.zeros((20, 27, 28)))),
        "images are 27x28, expected 28x28",
    ),
    "count above payload": (
        gzip.compress(struct.pack(">I", 2051) + struct.pack(">I", 21) + RAW[TRAIN_IMAGES_GZ][8:]),
        "the header says 21 images of 28x28 (16464 bytes) but the payload has 15680 bytes",
    ),
    "payload cut": (
        gzip.compress(RAW[TRAIN_IMAGES_GZ][:-100]),
        "the header says 20 images of 28x28 (15680 bytes) but the payload has 15580 bytes",
    ),
    "checksum mismatch": (
        gzip.compress(OTHER_IMAGES),
        f"SHA-256 checksum mismatch of the decompressed data: expected "
        f"{FIXTURE_CHECKSUMS[TRAIN_IMAGES_GZ]}, got {OTHER_DIGEST}. It is a valid IDX file "
        "but not the Fashion-MNIST release; it may be MNIST or another dataset",
    ),
}


@pytest.mark.parametrize("content, cause", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_invalid_images_file_raises_data_file_error_naming_file_and_cause(tmp_path, content, cause):
    home = _write_files(tmp_path / "home", {TRAIN_IMAGES_GZ: content})
    message = f"Invalid Fashion-MNIST data in {home / TRAIN_IMAGES_GZ}: {cause}"

    with pytest.raises(DataFileError, match=f"^{re.escape(message)}$"):
        _load(home)


@pytest.mark.parametrize(
    "labels, cause",
    [
        (np.array([0, 1, 2, 10, 4]), "labels must be in 0..9, found 10"),
        (np.array([255]), "labels must be in 0..9, found 255"),
    ],
)
def test_labels_outside_0_to_9_raise_data_file_error(tmp_path, labels, cause):
    home = _write_files(tmp_path / "home", {TRAIN_LABELS_GZ: gzip.compress(_idx(2049, labels))})
    message = f"Invalid Fashion-MNIST data in {home / TRAIN_LABELS_GZ}: {cause}"

    with pytest.raises(DataFileError, match=f"^{re.escape(message)}$"):
        _load(home)


def test_labels_file_with_header_count_above_payload_says_both_sizes(tmp_path):
    content = gzip.compress(struct.pack(">II", 2049, 25) + TRAIN_LABELS.astype(np.uint8).tobytes())
    home = _write_files(tmp_path / "home", {TRAIN_LABELS_GZ: content})
    message = (
        f"Invalid Fashion-MNIST data in {home / TRAIN_LABELS_GZ}: "
        "the header says 25 labels (25 bytes) but the payload has 20 bytes"
    )

    with pytest.raises(DataFileError, match=f"^{re.escape(message)}$"):
        _load(home)


def test_images_and_labels_counts_must_agree(monkeypatch, tmp_path):
    labels = _idx(2049, TRAIN_LABELS[:19])
    checksums = {**FIXTURE_CHECKSUMS, TRAIN_LABELS_GZ: hashlib.sha256(labels).hexdigest()}
    monkeypatch.setattr(_data, "CHECKSUMS", checksums)
    home = _write_files(tmp_path / "home", {TRAIN_LABELS_GZ: gzip.compress(labels)})
    message = (
        f"Invalid Fashion-MNIST data: {TRAIN_IMAGES_GZ} has 20 images "
        f"but {TRAIN_LABELS_GZ} has 19 labels"
    )

    with pytest.raises(DataFileError, match=f"^{re.escape(message)}$"):
        _load(home)


def test_data_file_error_is_a_value_error():
    assert issubclass(DataFileError, ValueError)


def test_recompressed_and_multi_member_gzip_files_are_accepted(tmp_path):
    # Only the decompressed bytes are verified, as Debian recompresses the files.
    half = len(RAW[TRAIN_IMAGES_GZ]) // 2
    home = _write_files(
        tmp_path / "home",
        {
            TRAIN_IMAGES_GZ: gzip.compress(RAW[TRAIN_IMAGES_GZ][:half], compresslevel=1)
            + gzip.compress(RAW[TRAIN_IMAGES_GZ][half:], compresslevel=9)
            + b"\0" * 8
        },
    )

    np.testing.assert_array_equal(_load(home).images, TRAIN_IMAGES)


# Downloads from a real HTTP server on 127.0.0.1 --------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serve `server.files`, announcing `server.content_lengths` where set."""

    def do_GET(self):
        name = self.path.lstrip("/")
        self.server.requests.append(name)
        if name not in self.server.files:
            self.send_error(404, "Not Found")
            return
        if name in self.server.barriers:
            self.server.barriers[name].wait(timeout=10)
        body = self.server.files[name]
        self.send_response(200)
        self.send_header("Content-Type", "application/x-gzip")
        self.send_header("Content-Length", str(self.server.content_lengths.get(name, len(body))))
        self.end_headers()
        # HTTP/1.0: the connection is closed after this, even mid-body.
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files = dict(GZ)
    httpd.content_lengths = {}
    httpd.barriers = {}
    httpd.requests = []
    httpd.url = f"http://127.0.0.1:{httpd.server_port}/"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def _download(data_home, server, **kwargs):
    return fetch_fashion_mnist(data_home=data_home, base_url=server.url, **kwargs)


def test_download_into_empty_data_home(tmp_path, server, caplog):
    home = tmp_path / "new" / "home"  # created on demand
    caplog.set_level(logging.INFO, logger="skfmnist")

    bunch = _download(home, server, subset="all")

    np.testing.assert_array_equal(bunch.images, np.concatenate([TRAIN_IMAGES, TEST_IMAGES]))
    assert sorted(os.listdir(home)) == ALL_FILES
    for name in ALL_FILES:
        assert (home / name).read_bytes() == GZ[name]
    assert server.requests == [TRAIN_IMAGES_GZ, TRAIN_LABELS_GZ, TEST_IMAGES_GZ, TEST_LABELS_GZ]
    url = f"{server.url}{TRAIN_IMAGES_GZ}"
    size = len(GZ[TRAIN_IMAGES_GZ])
    assert [r.getMessage() for r in caplog.records][:3] == [
        f"Downloading {url}",
        f"{url}: 100% ({size} of {size} bytes)",
        f"Saved {home / TRAIN_IMAGES_GZ} (SHA-256 verified)",
    ]


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_downloaded_files_get_the_permissions_of_any_new_file(empty_home, server, umask, mode):
    previous = os.umask(umask)
    try:
        _download(empty_home, server, subset="test")
    finally:
        os.umask(previous)
    assert {
        name: (empty_home / name).stat().st_mode & 0o777 for name in os.listdir(empty_home)
    } == {
        TEST_IMAGES_GZ: mode,
        TEST_LABELS_GZ: mode,
    }


def test_downloaded_files_are_used_afterwards_without_network(tmp_path, server):
    _download(tmp_path, server, subset="test")
    server.requests.clear()

    X, y = _download(tmp_path, server, subset="test", return_X_y=True)

    assert server.requests == []
    assert y.tolist() == TEST_LABELS.tolist()


def test_download_fetches_only_the_files_the_subset_needs(empty_home, server):
    _download(empty_home, server, subset="test")

    assert server.requests == [TEST_IMAGES_GZ, TEST_LABELS_GZ]
    assert sorted(os.listdir(empty_home)) == [TEST_IMAGES_GZ, TEST_LABELS_GZ]


def test_valid_local_files_are_not_downloaded_again(data_home, server):
    _download(data_home, server, subset="all")

    assert server.requests == []


def test_download_into_default_data_home(tmp_path, server):
    bunch = fetch_fashion_mnist(subset="test", base_url=server.url)

    np.testing.assert_array_equal(bunch.images, TEST_IMAGES)
    default = tmp_path / "scikit_learn_data" / "fashion_mnist"
    assert sorted(os.listdir(default)) == [TEST_IMAGES_GZ, TEST_LABELS_GZ]


def test_http_404_names_the_url_and_leaves_nothing(empty_home, server):
    del server.files[TRAIN_IMAGES_GZ]
    message = (
        f"Fashion-MNIST not found in {empty_home} (missing {TRAIN_IMAGES_GZ}); "
        f"Could not download Fashion-MNIST from {server.url}{TRAIN_IMAGES_GZ}: "
        "HTTP Error 404: Not Found"
    )

    with pytest.raises(OSError, match=f"^{re.escape(message)}$"):
        _download(empty_home, server)
    assert os.listdir(empty_home) == []


def test_unreachable_server_names_the_url(empty_home):
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/"

    message = (
        f"Fashion-MNIST not found in {empty_home} (missing {TRAIN_IMAGES_GZ}); "
        f"Could not download Fashion-MNIST from {url}{TRAIN_IMAGES_GZ}: "
    )
    with pytest.raises(OSError, match=f"^{re.escape(message)}.*Connection refused"):
        fetch_fashion_mnist(data_home=empty_home, base_url=url)
    assert os.listdir(empty_home) == []


def test_interrupted_transfer_leaves_no_file_and_no_temp_file(empty_home, server):
    size = len(GZ[TRAIN_IMAGES_GZ])
    server.files[TRAIN_IMAGES_GZ] = GZ[TRAIN_IMAGES_GZ][:100]
    server.content_lengths[TRAIN_IMAGES_GZ] = size
    message = (
        f"Fashion-MNIST not found in {empty_home} (missing {TRAIN_IMAGES_GZ}); "
        f"Download of {server.url}{TRAIN_IMAGES_GZ} was interrupted: received 100 of {size} bytes"
    )

    with pytest.raises(OSError, match=f"^{re.escape(message)}$"):
        _download(empty_home, server)
    assert os.listdir(empty_home) == []


def test_html_page_instead_of_gzip_leaves_nothing(empty_home, server):
    server.files[TRAIN_IMAGES_GZ] = b"<html><body>Moved</body></html>"
    message = (
        f"Invalid Fashion-MNIST data in {server.url}{TRAIN_IMAGES_GZ}: "
        "not a gzip file (it starts with b'<html><body>Move')"
    )

    with pytest.raises(DataFileError, match=f"^{re.escape(message)}$"):
        _download(empty_home, server)
    assert os.listdir(empty_home) == []


def test_checksum_mismatch_on_download_leaves_nothing(empty_home, server):
    server.files[TRAIN_IMAGES_GZ] = gzip.compress(OTHER_IMAGES)
    message = (
        f"Invalid Fashion-MNIST data in {server.url}{TRAIN_IMAGES_GZ}: "
        f"SHA-256 checksum mismatch of the decompressed data: expected "
        f"{FIXTURE_CHECKSUMS[TRAIN_IMAGES_GZ]}, got {OTHER_DIGEST}. "
    )

    with pytest.raises(DataFileError, match=f"^{re.escape(message)}.*may be MNIST"):
        _download(empty_home, server)
    assert os.listdir(empty_home) == []


def test_invalid_file_in_explicit_data_home_is_replaced_by_verified_download(
    tmp_path, server, caplog
):
    home = _write_files(tmp_path / "home", {TRAIN_IMAGES_GZ: GZ[TRAIN_IMAGES_GZ][:200]})
    caplog.set_level(logging.WARNING, logger="skfmnist")

    bunch = _download(home, server)

    np.testing.assert_array_equal(bunch.images, TRAIN_IMAGES)
    assert (home / TRAIN_IMAGES_GZ).read_bytes() == GZ[TRAIN_IMAGES_GZ]
    assert server.requests == [TRAIN_IMAGES_GZ]
    assert sorted(os.listdir(home)) == ALL_FILES
    path = home / TRAIN_IMAGES_GZ
    assert [r.getMessage() for r in caplog.records] == [
        f"Invalid Fashion-MNIST data in {path}: "
        "truncated gzip stream (it ends before its end marker); skipping this copy",
        f"Replaced invalid {path} with a verified download",
    ]


def test_env_var_gives_the_url_when_base_url_is_none(monkeypatch, empty_home, server):
    monkeypatch.setenv("SKFMNIST_DATA_URL", server.url)

    X, _ = fetch_fashion_mnist(subset="test", data_home=empty_home, return_X_y=True)

    assert server.requests == [TEST_IMAGES_GZ, TEST_LABELS_GZ]
    np.testing.assert_array_equal(X, TEST_IMAGES.reshape(10, 784))


def test_base_url_argument_wins_over_env_var(monkeypatch, empty_home, server):
    monkeypatch.setenv("SKFMNIST_DATA_URL", "http://127.0.0.1:9/unused/")

    _download(empty_home, server, subset="test")

    assert server.requests == [TEST_IMAGES_GZ, TEST_LABELS_GZ]


def test_concurrent_downloads_into_one_data_home_both_succeed(empty_home, server):
    # The server answers the first file only once both workers have asked for it,
    # so the two downloads really overlap.
    server.barriers[TRAIN_IMAGES_GZ] = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            results.append(_download(empty_home, server, subset="all", return_X_y=True))
        except Exception as exc:  # re-raised in the main thread by the assert below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert server.requests.count(TRAIN_IMAGES_GZ) == 2
    for X, y in results:
        np.testing.assert_array_equal(
            X, np.concatenate([TRAIN_IMAGES, TEST_IMAGES]).reshape(30, -1)
        )
        assert y.tolist() == list(range(10)) * 2 + list(range(9, -1, -1))
    assert sorted(os.listdir(empty_home)) == ALL_FILES


# The real data (Debian package dataset-fashion-mnist) ----------------------------


@pytest.fixture
def debian_copies(tmp_path):
    home = tmp_path / "copies"
    home.mkdir()
    for name in ALL_FILES:
        (home / name).symlink_to(DEBIAN_DIR / name)
    return home


@pytest.mark.slow
@requires_debian_copy
@pytest.mark.parametrize(
    "subset, n_per_class, first_labels, pixel_sum",
    [
        ("train", 6000, [9, 0, 0, 3, 0, 2, 7, 2, 5, 5], 3_431_114_169),
        ("test", 1000, [9, 2, 1, 1, 6, 1, 4, 6, 5, 7], 573_469_082),
    ],
)
def test_real_data_from_explicit_data_home(
    debian_copies, subset, n_per_class, first_labels, pixel_sum
):
    bunch = fetch_fashion_mnist(subset=subset, data_home=debian_copies, download_if_missing=False)

    n = 10 * n_per_class
    assert bunch.data.shape == (n, 784)
    assert bunch.images.shape == (n, 28, 28)
    assert bunch.data.dtype == np.uint8
    assert bunch.images.dtype == np.uint8
    assert bunch.target.shape == (n,)
    np.testing.assert_array_equal(bunch.data, bunch.images.reshape(-1, 784))
    assert np.bincount(bunch.target).tolist() == [n_per_class] * 10
    assert bunch.target[:10].tolist() == first_labels
    assert bunch.images.sum(dtype=np.int64) == pixel_sum
    assert bunch.target_names[bunch.target[0]] == "Ankle boot"


@pytest.mark.slow
@requires_debian_copy
def test_real_data_all_is_train_then_test(debian_copies):
    X, y = fetch_fashion_mnist(subset="all", data_home=debian_copies, return_X_y=True)
    X_test, y_test = fetch_fashion_mnist(subset="test", data_home=debian_copies, return_X_y=True)

    assert X.shape == (70_000, 784)
    assert np.bincount(y).tolist() == [7000] * 10
    np.testing.assert_array_equal(X[60_000:], X_test)
    np.testing.assert_array_equal(y[60_000:], y_test)


@pytest.mark.slow
@requires_debian_copy
def test_real_data_found_through_known_locations(tmp_path):
    X, y = fetch_fashion_mnist(subset="test", download_if_missing=False, return_X_y=True)

    assert X.shape == (10_000, 784)
    assert np.bincount(y).tolist() == [1000] * 10
    assert not (tmp_path / "scikit_learn_data" / "fashion_mnist").exists()


@pytest.mark.slow
@requires_debian_copy
@pytest.mark.parametrize("name", ALL_FILES)
def test_checksum_table_matches_the_real_files(name):
    raw = gzip.decompress((DEBIAN_DIR / name).read_bytes())

    assert hashlib.sha256(raw).hexdigest() == _data.CHECKSUMS[name]


@pytest.mark.slow
@requires_debian_copy
def test_well_formed_substitute_of_real_file_fails_checksum(tmp_path, debian_copies):
    # A well-formed IDX file that is not Fashion-MNIST: the real test labels, shifted.
    raw = bytearray(gzip.decompress((DEBIAN_DIR / TEST_LABELS_GZ).read_bytes()))
    raw[8:] = ((np.frombuffer(bytes(raw[8:]), dtype=np.uint8) + 1) % 10).tobytes()
    home = tmp_path / "substitute"
    shutil.copytree(debian_copies, home, symlinks=True)
    (home / TEST_LABELS_GZ).unlink()
    (home / TEST_LABELS_GZ).write_bytes(gzip.compress(bytes(raw)))

    with pytest.raises(DataFileError, match=r"checksum mismatch .* may be MNIST or another"):
        fetch_fashion_mnist(subset="test", data_home=home, download_if_missing=False)
