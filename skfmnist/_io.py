"""Writing files so that readers never see a half-written one.

Plain Python and the standard library only: the data fetcher, the model file and the
command line all write through here without importing TensorFlow.
"""

import os
import secrets
from pathlib import Path

__all__ = ["atomic_write", "atomic_write_all"]


def atomic_write(path, write):
    """Write a file so that readers see either the old or the complete new content.

    ``write(file)`` receives a binary file object opened on a new, uniquely named file
    next to ``path``; once it returns, the data are flushed to disk and the file is
    renamed over ``path`` with ``os.replace`` (atomic on POSIX and Windows). If ``write``
    raises, or the process is interrupted, ``path`` is left as it was and the temporary
    file is removed. The new file gets the permissions of any new file (``0o666`` minus
    the umask), not those of ``tempfile.mkstemp`` (owner only).

    Parameters
    ----------
    path : str or path-like
        Destination file. Its folder must exist.

    write : callable
        Called once with a binary file object open for writing.

    Returns
    -------
    path : pathlib.Path
        The destination.
    """
    (path,) = atomic_write_all([(path, write)])
    return path


def atomic_write_all(files):
    """Write several files, replacing the existing ones only once all are written.

    Every file is first written in full to a temporary file next to its destination and
    flushed to disk; only then are they renamed into place with ``os.replace``, in the
    order given, in one quick pass. If any ``write`` fails, or the process is interrupted
    while writing, no destination has changed and every temporary file is removed. Put
    the file that marks a complete set (a manifest, ``metrics.json``) last: it is
    replaced after all the others.

    Parameters
    ----------
    files : iterable of (path-like, callable) pairs
        Destinations, and for each a function called once with a binary file object open
        for writing. The folders must exist.

    Returns
    -------
    paths : list of pathlib.Path
        The destinations, in the order given.
    """
    files = [(Path(path), write) for path, write in files]
    staged = []  # (temporary, destination) pairs not yet renamed into place
    try:
        for path, write in files:
            tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
            # os.open applies the umask, so the final file gets the usual permissions.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            staged.append((tmp, path))
            with os.fdopen(fd, "wb") as file:
                write(file)
                file.flush()
                os.fsync(file.fileno())
        while staged:
            tmp, path = staged[0]
            os.replace(tmp, path)
            staged.pop(0)
    except BaseException:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise
    for folder in {path.parent for path, _ in files}:
        _fsync_folder(folder)
    return [path for path, _ in files]


def _fsync_folder(folder):
    """Make the renames durable: on POSIX a rename is on disk once its folder is synced."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
