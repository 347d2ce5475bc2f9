"""Shared fixtures.

``postgres_url`` starts a throwaway PostgreSQL server (Debian's ``postgresql`` package,
installed by ``.ci/run``) on 127.0.0.1 for the session, with a database and a user that
logs in with a password over TCP. When no server can be started, the tests that use it
skip with the reason, except in CI (the environment variable ``CI`` set, as CI services
do), where they fail: there a missing server is a broken set-up, not an optional part.
"""

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

_DEBIAN_BINDIRS = "/usr/lib/postgresql/*/bin"


def _postgres_bindir():
    """Directory of initdb and pg_ctl: on PATH, else the newest Debian install, else None."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).resolve().parent
    candidates = [Path(d) for d in glob.glob(_DEBIAN_BINDIRS) if Path(d, "pg_ctl").exists()]
    if not candidates:
        return None
    return max(candidates, key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)


def postgres_unavailable(reason):
    """Skip the test that needs PostgreSQL, with ``reason``; fail it instead in CI."""
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(f"{reason} (CI is set: the PostgreSQL tests must run, not skip)")
    pytest.skip(reason)


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_url():
    """URL ``postgresql://tuner:<password>@127.0.0.1:<port>/skfmnist`` of a fresh server.

    Skips (fails in CI, see :func:`postgres_unavailable`) when the driver or the server
    binaries are missing or the server does not start.
    """
    try:
        import psycopg2
    except ImportError:
        postgres_unavailable("psycopg2 is not installed; uv sync installs it (dev group)")
    bindir = _postgres_bindir()
    if bindir is None:
        postgres_unavailable(
            "PostgreSQL server binaries (initdb, pg_ctl) not found; install Debian's "
            "postgresql package to run the PostgreSQL tests"
        )
    # The server refuses to run as root; Debian's package creates the postgres user.
    as_user = []
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            postgres_unavailable(
                "Running as root, and there is no 'postgres' user to run the server as"
            )
        as_user = ["runuser", "-u", "postgres", "--"]

    # Not pytest's tmp_path: its parents are private to root, and the server runs as postgres.
    base = Path(tempfile.mkdtemp(prefix="skfmnist-pg-"))
    data = base / "data"
    superuser_password = base / "superuser-password"
    superuser_password.write_text(secrets.token_hex(16) + "\n")
    if as_user:
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(superuser_password, "postgres", "postgres")
    port = _free_port()
    password = "pw-" + secrets.token_hex(8)
    log = base / "server.log"

    def run(*args):
        return subprocess.run(
            [*as_user, *map(str, args)], check=True, capture_output=True, text=True, timeout=120
        )

    started = False
    try:
        try:
            # TCP logins need a password (scram); the socket in ``base`` trusts the set-up.
            run(
                bindir / "initdb",
                "-D",
                data,
                "-U",
                "postgres",
                "--pwfile",
                superuser_password,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--no-sync",
            )
            options = f"-c listen_addresses=127.0.0.1 -p {port} -k {base} -c fsync=off"
            run(bindir / "pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "-t", "60", "start")
            started = True
        except subprocess.CalledProcessError as exc:
            server_log = log.read_text() if log.exists() else ""
            postgres_unavailable(
                f"PostgreSQL did not start: {exc.cmd} exited {exc.returncode}\n"
                f"{exc.stdout}\n{exc.stderr}\n{server_log}"
            )
        conn = psycopg2.connect(host=str(base), port=port, user="postgres", dbname="postgres")
        try:
            conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
            with conn.cursor() as cursor:
                cursor.execute("CREATE ROLE tuner LOGIN PASSWORD %s", (password,))
                cursor.execute("CREATE DATABASE skfmnist OWNER tuner")
        finally:
            conn.close()
        yield f"postgresql://tuner:{password}@127.0.0.1:{port}/skfmnist"
    finally:
        if started:
            run(bindir / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(base, ignore_errors=True)
