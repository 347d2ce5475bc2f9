"""Fashion-MNIST loader in the style of scikit-learn's dataset fetchers.

Fashion-MNIST is Zalando Research's drop-in replacement for MNIST: 70,000 grey
28x28 images of clothing in 10 classes.

    https://github.com/zalandoresearch/fashion-mnist
"""

import difflib
import hashlib
import http.client
import io
import logging
import os
import struct
import urllib.error
import urllib.request
import zlib
from pathlib import Path

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.utils import Bunch
from sklearn.utils._param_validation import InvalidParameterError, validate_params

from ._io import atomic_write

logger = logging.getLogger(__name__)

CLASS_NAMES = (
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

DEFAULT_BASE_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"

# Read at call time, so that it can be set after import (and in tests).
DATA_URL_ENV = "SKFMNIST_DATA_URL"

# Copies installed by other tools, searched after the default data home. Paths are
# expanded at call time ("~" is the user's home then, not at import).
KNOWN_LOCATIONS = (
    "/usr/share/datasets/fashion-mnist",  # Debian package dataset-fashion-mnist
    "~/.keras/datasets/fashion-mnist",  # keras.datasets.fashion_mnist.load_data()
)

_SUBSETS = ("train", "test", "all")
_FILENAMES = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}

# SHA-256 of the *decompressed* IDX files. The gzip bytes are not stable: Debian,
# for instance, recompresses them.
CHECKSUMS = {
    "train-images-idx3-ubyte.gz": (
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
    ),
    "train-labels-idx1-ubyte.gz": (
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
    ),
    "t10k-images-idx3-ubyte.gz": (
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
    ),
    "t10k-labels-idx1-ubyte.gz": (
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
    ),
}

# IDX magic numbers: 0x0000 0x08 (unsigned byte) followed by the number of dimensions.
_IDX_MAGIC = {"images": 2051, "labels": 2049}
_IMAGE_SHAPE = (28, 28)
_GZIP_MAGIC = b"\x1f\x8b"
_N_CLASSES = len(CLASS_NAMES)

_TIMEOUT = 60  # seconds without data before a download is given up
_CHUNK_SIZE = 1 << 20

DESCR = """\
.. _fashion_mnist_dataset:

Fashion-MNIST dataset
---------------------

**Data Set Characteristics:**

:Number of Instances: 70,000 (60,000 train, 10,000 test)
:Number of Attributes: 784 (28x28 grey-level pixels, integers 0..255)
:Number of Classes: 10, balanced (6,000 train and 1,000 test images each)
:Class Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat,
    5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot
:Creator: Zalando Research
:License: MIT
:Source: https://github.com/zalandoresearch/fashion-mnist

Fashion-MNIST is a dataset of Zalando's article images, intended as a direct
drop-in replacement for the original MNIST digits: same image size, same number
of classes, same train/test split and the same IDX file format.

.. rubric:: References

* Han Xiao, Kashif Rasul and Roland Vollgraf. "Fashion-MNIST: a Novel Image
  Dataset for Benchmarking Machine Learning Algorithms". arXiv:1708.07747, 2017.
"""


class DataFileError(ValueError):
    """A Fashion-MNIST file is corrupt, truncated or not Fashion-MNIST at all.

    The message names the file (or the URL it was downloaded from) and the cause.
    """


def _error(source, cause):
    return DataFileError(f"Invalid Fashion-MNIST data in {source}: {cause}")


def _gunzip(content, source):
    """Decompress gzip ``content``, turning every failure into a DataFileError."""
    if content[:2] != _GZIP_MAGIC:
        raise _error(source, f"not a gzip file (it starts with {content[:16]!r})")
    # zlib directly rather than gzip.decompress: it is almost twice as fast here.
    members = []
    try:
        while content[:2] == _GZIP_MAGIC:
            decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            members.append(decompressor.decompress(content))
            if not decompressor.eof:
                raise _error(source, "truncated gzip stream (it ends before its end marker)")
            content = decompressor.unused_data
    except zlib.error as exc:
        raise _error(source, f"corrupt gzip stream ({exc})") from exc
    if content.strip(b"\0"):  # gzip allows zero padding, nothing else
        raise _error(source, f"{len(content)} bytes of trailing garbage after the gzip stream")
    return members[0] if len(members) == 1 else b"".join(members)


def _parse_idx(raw, kind, source):
    """Parse decompressed IDX bytes of ``kind`` "images" or "labels" without copying."""
    expected_magic = _IDX_MAGIC[kind]
    if len(raw) < 4:
        raise _error(source, f"IDX header is truncated ({len(raw)} bytes)")
    (magic,) = struct.unpack(">I", raw[:4])
    if magic != expected_magic:
        other = {v: k for k, v in _IDX_MAGIC.items()}.get(magic)
        hint = f"; this looks like a {other} file" if other else ""
        raise _error(source, f"magic number {magic}, expected {expected_magic} ({kind}){hint}")

    ndim = 3 if kind == "images" else 1
    header_size = 4 * (1 + ndim)
    if len(raw) < header_size:
        raise _error(source, f"IDX header is truncated ({len(raw)} bytes, expected {header_size})")
    n, *shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    if kind == "images" and tuple(shape) != _IMAGE_SHAPE:
        raise _error(source, f"images are {shape[0]}x{shape[1]}, expected 28x28")

    expected_size = n * int(np.prod(shape, dtype=np.int64))
    payload_size = len(raw) - header_size
    if payload_size != expected_size:
        what = f"{n} images of 28x28" if kind == "images" else f"{n} labels"
        raise _error(
            source,
            f"the header says {what} ({expected_size} bytes) "
            f"but the payload has {payload_size} bytes",
        )

    array = np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(n, *shape)
    if kind == "labels" and n and array.max() >= _N_CLASSES:
        raise _error(source, f"labels must be in 0..9, found {array.max()}")
    return array


def _load_idx(content, kind, source, checksum):
    """Decompress, parse and verify the gzip'd IDX ``content`` of one file.

    The array returned is a read-only view of the decompressed bytes.

    Parsing comes before the checksum so that a structurally wrong file gets the
    more specific message (e.g. a labels file saved under an images name).
    """
    raw = _gunzip(content, source)
    array = _parse_idx(raw, kind, source)
    digest = hashlib.sha256(raw).hexdigest()
    if digest != checksum:
        raise _error(
            source,
            f"SHA-256 checksum mismatch of the decompressed data: expected {checksum}, "
            f"got {digest}. It is a valid IDX file but not the Fashion-MNIST release; "
            "it may be MNIST or another dataset",
        )
    return array


def _download(url, path, kind, checksum):
    """Download ``url``, verify it and atomically write it to ``path``.

    The body is received and verified in memory (the largest file is 26 MB), then
    written with ``atomic_write``: concurrent workers never see a partial file, a failure
    of any kind leaves nothing behind, and the file gets the permissions of any other
    download (``0o666`` minus the umask), synced to disk before it is renamed into place.
    """
    body = io.BytesIO()
    _stream(url, body)
    content = body.getvalue()
    array = _load_idx(content, kind, url, checksum)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda file: file.write(content))
    logger.info("Saved %s (SHA-256 verified)", path)
    return array


def _stream(url, file):
    """Copy the body at ``url`` to ``file``, logging progress; OSError on failure."""
    logger.info("Downloading %s", url)
    received = 0
    try:
        with urllib.request.urlopen(url, timeout=_TIMEOUT) as response:
            length = response.headers.get("Content-Length")
            total = int(length) if length is not None else None
            next_report = 0.1
            while chunk := response.read(_CHUNK_SIZE):
                file.write(chunk)
                received += len(chunk)
                if total and received / total >= next_report:
                    logger.info(
                        "%s: %3d%% (%d of %d bytes)", url, 100 * received // total, received, total
                    )
                    next_report = received / total + 0.1
    except urllib.error.HTTPError as exc:
        raise OSError(f"Could not download Fashion-MNIST from {url}: {exc}") from exc
    except urllib.error.URLError as exc:
        raise OSError(f"Could not download Fashion-MNIST from {url}: {exc.reason}") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise OSError(f"Download of {url} was interrupted after {received} bytes: {exc!r}") from exc
    # http.client returns a short body silently when the server closes early.
    if total is not None and received != total:
        raise OSError(f"Download of {url} was interrupted: received {received} of {total} bytes")


def _load_file(filename, kind, *, directories, download_dir, base_url, download, checksum):
    """Return the parsed array of ``filename`` from the first valid copy.

    ``directories`` are searched in order; an invalid copy is skipped (and remembered)
    so that a later one, or a download into ``download_dir``, can stand in for it.
    """
    invalid = []
    for directory in directories:
        path = directory / filename
        if not path.is_file():
            continue
        try:
            return _load_idx(path.read_bytes(), kind, path, checksum)
        except DataFileError as exc:
            logger.warning("%s; skipping this copy", exc)
            invalid.append((path, exc))

    if not download:
        if invalid:
            raise invalid[0][1]
        searched = ", ".join(str(d) for d in directories)
        raise OSError(
            f"Fashion-MNIST not found in {searched} (missing {filename}); "
            f"pass download_if_missing=True to download it from {base_url}"
        )

    target = download_dir / filename
    try:
        array = _download(f"{base_url.rstrip('/')}/{filename}", target, kind, checksum)
    except OSError as exc:
        searched = ", ".join(str(d) for d in directories)
        raise OSError(f"Fashion-MNIST not found in {searched} (missing {filename}); {exc}") from exc
    if any(path == target for path, _ in invalid):
        logger.warning("Replaced invalid %s with a verified download", target)
    return array


def _check_subset(subset):
    """Raise a sklearn-style InvalidParameterError that suggests the closest subset.

    StrOptions would do, but its message lists the options in set (random) order
    and cannot say what was probably meant.
    """
    if subset in _SUBSETS:
        return
    message = (
        "The 'subset' parameter of fetch_fashion_mnist must be one of 'train', 'test' "
        f"or 'all'. Got {subset!r} instead."
    )
    close = difflib.get_close_matches(subset.lower(), _SUBSETS, n=1)
    if close:
        message += f" Did you mean {close[0]!r}?"
    raise InvalidParameterError(message)


def _fetch(
    *,
    subset="train",
    data_home=None,
    download_if_missing=True,
    base_url=None,
    checksums=None,
    known_locations=None,
):
    """Load ``subset`` as ``(images, target)``; see :func:`fetch_fashion_mnist`.

    ``checksums`` (file name -> SHA-256 of the decompressed data, default
    ``CHECKSUMS``) and ``known_locations`` (default ``KNOWN_LOCATIONS``) are
    parameters so that tests can use small fixture files and keep away from the
    machine's real copies.
    """
    _check_subset(subset)
    if checksums is None:
        checksums = CHECKSUMS
    if known_locations is None:
        known_locations = KNOWN_LOCATIONS
    if data_home is None:
        download_dir = Path(get_data_home()) / "fashion_mnist"
        directories = [download_dir, *(Path(p).expanduser() for p in known_locations)]
    else:
        download_dir = Path(data_home).expanduser()
        directories = [download_dir]
    if base_url is None:
        base_url = os.environ.get(DATA_URL_ENV) or DEFAULT_BASE_URL

    splits = ["train", "test"] if subset == "all" else [subset]
    images, target = [], []
    for split in splits:
        arrays = [
            _load_file(
                filename,
                kind,
                directories=directories,
                download_dir=download_dir,
                base_url=base_url,
                download=download_if_missing,
                checksum=checksums[filename],
            )
            for filename, kind in zip(_FILENAMES[split], ("images", "labels"), strict=True)
        ]
        if len(arrays[0]) != len(arrays[1]):
            raise DataFileError(
                f"Invalid Fashion-MNIST data: {_FILENAMES[split][0]} has {len(arrays[0])} "
                f"images but {_FILENAMES[split][1]} has {len(arrays[1])} labels"
            )
        images.append(arrays[0])
        target.append(arrays[1].astype(np.int64))
    # Both branches copy the read-only buffers once: users expect writable arrays.
    if len(splits) == 1:
        return images[0].copy(), target[0]
    return np.concatenate(images), np.concatenate(target)


@validate_params(
    {
        "subset": [str],  # values checked in _check_subset, with a suggestion
        "data_home": [str, os.PathLike, None],
        "download_if_missing": ["boolean"],
        "return_X_y": ["boolean"],
        "base_url": [str, None],
    },
    prefer_skip_nested_validation=True,
)
def fetch_fashion_mnist(
    *,
    subset="train",
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
    base_url=None,
):
    """Load the Fashion-MNIST dataset (classification).

    Download it if necessary.

    =================   =================
    Classes                            10
    Samples per class    6,000 / 1,000
    Samples total        60,000 / 10,000
    Dimensionality                    784
    Features             integers 0..255
    =================   =================

    The files are looked for, in order:

    1. if `data_home` is given, in `data_home` only: known copies are not
       searched, and missing or invalid files are downloaded into it;
    2. otherwise in ``get_data_home() / "fashion_mnist"`` (see
       :func:`sklearn.datasets.get_data_home`), then in the copies listed in
       ``KNOWN_LOCATIONS`` (Debian's ``/usr/share/datasets/fashion-mnist`` and the
       Keras cache ``~/.keras/datasets/fashion-mnist``); missing files are
       downloaded into ``get_data_home() / "fashion_mnist"``.

    Every file is verified against the SHA-256 of its decompressed content, so
    recompressed copies are accepted. An invalid file is skipped in favour of the
    next location or of a download (a downloaded file replaces an invalid one,
    with a logged warning). Downloads write to a temporary file that is renamed
    into place once verified: concurrent calls are safe and a failed download
    leaves no file behind. Progress is logged to the ``"skfmnist"`` logger.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        Which split to load: the 60,000 training images, the 10,000 test images,
        or all 70,000 (train first, then test).

    data_home : str or path-like, default=None
        Folder holding the four ``*-idx?-ubyte.gz`` files, and where they are
        downloaded to. Unlike the other scikit-learn fetchers, this is the folder
        of the files itself, not a parent data folder. See above for `None`.

    download_if_missing : bool, default=True
        If False, raise an OSError if the data is not available locally instead
        of downloading it.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch object.

    base_url : str, default=None
        URL of the folder to download the files from. If None, the environment
        variable ``SKFMNIST_DATA_URL`` is used if set, else the official mirror
        ``http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/``.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : ndarray of shape (n_samples, 784), dtype=uint8
            Each row is an image flattened row by row; a view of `images`.
        images : ndarray of shape (n_samples, 28, 28), dtype=uint8
            The grey-level images, 0 is background.
        target : ndarray of shape (n_samples,), dtype=int64
            Labels 0..9, indices into `target_names`.
        target_names : tuple of str
            The 10 class names in label order, ``CLASS_NAMES``.
        DESCR : str
            Description of the dataset.

    (data, target) : tuple if ``return_X_y`` is True
        The `data` and `target` arrays described above.

    Raises
    ------
    DataFileError
        A subclass of ValueError. A file is not Fashion-MNIST: not gzip,
        truncated, a wrong IDX magic number or header, labels outside 0..9,
        images and labels counts that differ, or a SHA-256 mismatch (e.g. the
        original MNIST digits). The message names the file or URL and the cause.
    OSError
        If the data is missing and ``download_if_missing=False``, or a download
        fails (HTTP error, unreachable server, interrupted transfer).

    Examples
    --------
    >>> from skfmnist import fetch_fashion_mnist
    >>> fmnist = fetch_fashion_mnist(subset="test")
    >>> fmnist.data.shape, fmnist.images.shape
    ((10000, 784), (10000, 28, 28))
    >>> fmnist.target_names[fmnist.target[0]]
    'Ankle boot'
    """
    images, target = _fetch(
        subset=subset,
        data_home=data_home,
        download_if_missing=download_if_missing,
        base_url=base_url,
    )
    data = images.reshape(len(images), -1)
    if return_X_y:
        return data, target
    return Bunch(data=data, images=images, target=target, target_names=CLASS_NAMES, DESCR=DESCR)
