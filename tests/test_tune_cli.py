"""Tests for ``python -m skfmnist.tune``.

Runs of the command load the real Fashion-MNIST training set (a stratified subset of a few
hundred images) and are marked slow; the concurrency tests start two real worker processes
on one storage: a journal file, an SQLite database and a PostgreSQL server (see the
``postgres_url`` fixture in conftest.py).
"""

import json
import logging
import os
import re
import socket
import subprocess
import sys
import time

import optuna
import pytest
from conftest import postgres_unavailable
from optuna.trial import TrialState

from skfmnist.tune import _redacted_logging, _url_secrets, main, mask_url
from skfmnist.tuning import make_storage

TRIAL_LINE = re.compile(
    r"^trial +(?P<number>\d+)  (?P<state>COMPLETE|PRUNED) +value (?P<value>[01]\.\d{4})"
    r"(?: at epoch \d+)? +\d+\.\d s  hidden_units=\d+ negative_slope=\S+ dropout=\S+ "
    r"learning_rate=\S+ batch_size=(?:32|64|128|256) lr_factor=\S+$"
)
SMALL = ["--train-size", "200", "--epochs", "1"]


def _trial_numbers(stdout):
    return [int(m["number"]) for line in stdout.splitlines() if (m := TRIAL_LINE.match(line))]


def _load(storage, study_name="skfmnist"):
    return optuna.load_study(study_name=study_name, storage=make_storage(storage))


def test_help_lists_every_flag(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for flag in (
        "--n-trials",
        "--storage",
        "--study-name",
        "--train-size",
        "--epochs",
        "--timeout",
        "--random-state",
        "--neuron-health",
        "--threads",
        "--output",
        "--data-home",
    ):
        assert flag in out
    # argparse wraps the help text, possibly at the hyphen.
    assert "(default:skfmnist-tune.journalintheworkingdirectory)" in re.sub(r"\s", "", out)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--n-trials", "0"], "argument --n-trials: expected an integer >= 1 (trials), got '0'"),
        (["--epochs", "-1"], "argument --epochs: expected an integer >= 1 (epochs), got '-1'"),
        (
            ["--train-size", "x"],
            "argument --train-size: expected an integer >= 1 (training images), got 'x'",
        ),
        (["--timeout", "0"], "argument --timeout: must be a positive number, got 0"),
        (
            ["--random-state", "-2"],
            "argument --random-state: expected an integer >= 0 (a seed), got '-2'",
        ),
        (
            ["--threads", "0"],
            "argument --threads: expected an integer >= 1 (threads per pool), got '0'",
        ),
    ],
)
def test_rejects_bad_numbers(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "storage, shown",
    [
        ("skfmnist-tune.journal", "skfmnist-tune.journal"),
        ("sqlite:///tune.db", "sqlite:///tune.db"),
        ("postgresql://tuner:s3cret@db.lan:5432/sk", "postgresql://tuner:***@db.lan:5432/sk"),
        ("postgresql://tuner:p%40ss@db.lan/sk", "postgresql://tuner:***@db.lan/sk"),
        ("postgresql://tuner:s3cret@db.lan:port/sk", "postgresql://tuner:***@db.lan:port/sk"),
        ("postgresql://tuner@db/sk?password=S3cret", "postgresql://tuner@db/sk?password=***"),
        (
            "postgresql://tuner:a@db/sk?sslmode=require&password=S%403cret",
            "postgresql://tuner:***@db/sk?password=***&sslmode=require",
        ),
        (
            "postgresql://tuner@db:port/sk?password=S3cret",
            "postgresql://tuner@db:port/sk?password=***",
        ),
    ],
)
def test_mask_url_hides_the_password(storage, shown):
    assert mask_url(storage) == shown


def test_url_secrets_are_every_spelling_of_the_password():
    assert _url_secrets("postgresql://tuner:p%40ss@db.lan/sk") == {"p%40ss", "p@ss"}
    assert _url_secrets("postgresql://tuner@db/sk?password=S%403cret&sslmode=require") == {
        "S%403cret",
        "S@3cret",
    }
    assert _url_secrets("sqlite:///tune.db") == set()
    assert _url_secrets("study.journal") == set()


def test_logged_passwords_are_masked_in_messages_and_tracebacks(capsys):
    secrets = _url_secrets("postgresql://tuner:p%40ss-42@db.lan/sk")
    logger = logging.getLogger("skfmnist.test")
    with _redacted_logging(secrets):
        optuna.logging.get_logger("optuna.test").warning("connecting with p@ss-42")
        try:
            raise ConnectionError("postgresql://tuner:p%40ss-42@db.lan/sk refused")
        except ConnectionError:
            logger.exception("failed")
    err = capsys.readouterr().err
    assert "ss-42" not in err
    assert "WARNING optuna.test: connecting with ***" in err
    assert "ConnectionError: postgresql://tuner:***@db.lan/sk refused" in err
    # Optuna's own handler is back afterwards.
    assert logging.getLogger("optuna").handlers


def test_unreachable_database_fails_without_showing_the_password(tmp_path, capsys):
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://tuner:Hush-{port}-x@127.0.0.1:{port}/skfmnist"
    status = main(["--storage", url, "--output", str(tmp_path / "best.json"), *SMALL])
    assert status == 1
    captured = capsys.readouterr()
    assert f"Hush-{port}-x" not in captured.out + captured.err
    assert captured.err.startswith(
        f"python -m skfmnist.tune: error: cannot open the storage "
        f"postgresql://tuner:***@127.0.0.1:{port}/skfmnist: connection to server at "
        f'"127.0.0.1", port {port} failed: Connection refused'
    )
    assert "Traceback" not in captured.err
    assert not (tmp_path / "best.json").exists()


@pytest.mark.parametrize("ci", ["true", "1"])
def test_postgresql_tests_fail_in_ci_when_no_server_starts(ci, monkeypatch):
    monkeypatch.setenv("CI", ci)
    expected = r"^no initdb \(CI is set: the PostgreSQL tests must run, not skip\)$"
    with pytest.raises(pytest.fail.Exception, match=expected):
        postgres_unavailable("no initdb")


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_postgresql_tests_skip_locally_when_no_server_starts(ci, monkeypatch):
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="^no initdb$"):
        postgres_unavailable("no initdb")


def test_wrong_password_fails_at_once_with_a_clear_message(postgres_url, tmp_path, capsys):
    secret = re.search(r"tuner:([^@]+)@", postgres_url)[1]
    wrong = postgres_url.replace(f":{secret}@", ":Wrong-pw-42@")
    started = time.perf_counter()
    status = main(["--storage", wrong, "--output", str(tmp_path / "best.json"), *SMALL])
    seconds = time.perf_counter() - started
    assert status == 1
    # Not retried: a refused login does not heal in a few seconds.
    assert seconds < 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"python -m skfmnist.tune: error: cannot open the storage {mask_url(wrong)}: "
        f'connection to server at "127.0.0.1", port {wrong.rsplit(":", 1)[1].split("/")[0]} '
        'failed: FATAL: password authentication failed for user "tuner"\n'
    )
    assert "Wrong-pw-42" not in captured.out + captured.err


@pytest.mark.slow
@pytest.mark.parametrize(
    "train_size, reason",
    [
        (
            "5",
            "train_size=5 is below the number of classes (10); a stratified subset needs at "
            "least one sample per class.",
        ),
        ("70000", "train_size=70000 exceeds the 60,000 samples."),
        (
            "59995",
            "train_size=59995 leaves out 5 of the 60,000 samples, fewer than the 10 classes; "
            "a stratified subset leaves out at least one sample per class, or none "
            "(train_size=60000).",
        ),
    ],
)
@pytest.mark.parametrize("storage", [None, "sqlite:///tune.db"])
def test_bad_train_size_is_a_usage_error_that_creates_no_storage(
    train_size, reason, storage, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    argv = ["--train-size", train_size] + (["--storage", storage] if storage else [])
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"python -m skfmnist.tune: error: --train-size: {reason}\n"
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_password_in_the_query_string_is_never_shown(postgres_url, tmp_path, capsys):
    # The fixture's URL with its password moved from user:password@ to ?password=.
    secret = re.search(r"tuner:([^@]+)@", postgres_url)[1]
    url = postgres_url.replace(f":{secret}@", "@") + f"?password={secret}"
    shown = re.sub(r"password=.*", "password=***", url)
    assert mask_url(url) == shown
    output = tmp_path / "best.json"
    argv = ["--storage", url, "--study-name", "query", "--n-trials", "1", *SMALL]
    assert main([*argv, "--output", str(output)]) == 0
    captured = capsys.readouterr()
    written = output.read_text()
    assert json.loads(written)["storage"] == shown
    assert f"study 'query' in {shown}: 1 trials on 200 images" in captured.out
    for text in (captured.out, captured.err, written):
        assert secret not in text


@pytest.mark.slow
def test_runs_in_the_working_directory_and_resumes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["--n-trials", "2", *SMALL]) == 0
    first = capsys.readouterr().out
    assert first.startswith(
        "study 'skfmnist' in skfmnist-tune.journal: 2 trials on 200 images, 1 epochs each, "
        "objectives accuracy\n"
    )
    assert _trial_numbers(first) == [0, 1]
    assert "best trial           value\n" in first
    assert first.endswith("wrote best_params.json\n")
    # Only the study and the results: no lock or temporary file left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "best_params.json",
        "skfmnist-tune.journal",
    ]

    assert main(["--n-trials", "2", *SMALL]) == 0
    second = capsys.readouterr().out
    assert _trial_numbers(second) == [2, 3]
    study = _load("skfmnist-tune.journal")
    assert len(study.trials) == 4
    earlier = [t.params for t in study.trials[:2]]
    assert all(t.params not in earlier for t in study.trials[2:])

    summary = json.loads((tmp_path / "best_params.json").read_text())
    best = study.best_trial
    assert summary["study_name"] == "skfmnist"
    assert summary["storage"] == "skfmnist-tune.journal"
    assert summary["objectives"] == ["accuracy"]
    assert summary["threads"] is None
    assert summary["n_trials"]["COMPLETE"] + summary["n_trials"]["PRUNED"] == 4
    assert summary["best_params"] == best.params
    assert summary["best_trial"]["number"] == best.number
    assert summary["best_trial"]["values"] == [best.value]
    assert summary["best_trial"]["mlp_params"] == {"random_state": 0, "epochs": 1, **best.params}
    assert f"validation accuracy  {best.value:.4g}\n" in second


@pytest.mark.slow
def test_neuron_health_writes_the_pareto_front(tmp_path, capsys):
    output = tmp_path / "front.json"
    argv = ["--neuron-health", "--n-trials", "2", "--storage", str(tmp_path / "mo.journal")]
    assert main([*argv, "--output", str(output), *SMALL]) == 0
    out = capsys.readouterr().out
    assert "objectives accuracy, neuron_health" in out
    summary = json.loads(output.read_text())
    assert summary["objectives"] == ["accuracy", "neuron_health"]
    assert "best_trial" not in summary
    study = _load(tmp_path / "mo.journal")
    assert [t["number"] for t in summary["pareto_front"]] == [t.number for t in study.best_trials]
    assert all(len(t["values"]) == 2 for t in summary["pareto_front"])
    assert re.search(r"^  trial  accuracy +neuron_health +hidden_units", out, re.MULTILINE)


@pytest.mark.slow
def test_command_output_has_no_tensorflow_notices(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    command = [sys.executable, "-m", "skfmnist.tune", "--n-trials", "1", "--threads", "1"]
    done = subprocess.run(
        [*command, *SMALL], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    for notice in ("absl::InitializeLog()", "I0000", "oneDNN", "cuda", "cudart"):
        assert notice not in done.stderr + done.stdout
    assert done.stderr == ""
    assert done.stdout.startswith("study 'skfmnist' in skfmnist-tune.journal: 1 trials")
    assert json.loads((tmp_path / "best_params.json").read_text())["threads"] == 1


def _worker(storage, study_name, n_trials, output, cwd):
    command = [
        sys.executable,
        "-m",
        "skfmnist.tune",
        "--storage",
        storage,
        "--study-name",
        study_name,
        "--n-trials",
        str(n_trials),
        "--train-size",
        "300",
        "--epochs",
        "2",
        "--output",
        output,
    ]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _communicate_all(processes, timeout):
    """``[(stdout, stderr), ...]`` of ``processes``; none is left running, whatever happens."""
    try:
        return [process.communicate(timeout=timeout) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.communicate()  # reaps it and closes its pipes


def test_communicate_all_kills_every_process_on_timeout():
    sleepers = [
        subprocess.Popen(
            [sys.executable, "-c", "import time; time.sleep(60)"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    with pytest.raises(subprocess.TimeoutExpired):
        _communicate_all(sleepers, timeout=0.5)
    assert [sleeper.returncode for sleeper in sleepers] == [-9, -9]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["journal", "sqlite", "postgresql"])
def test_two_concurrent_workers_share_one_study(kind, tmp_path, request):
    storage = {
        "journal": lambda: str(tmp_path / "race.journal"),
        "sqlite": lambda: f"sqlite:///{tmp_path / 'race.db'}",
        "postgresql": lambda: request.getfixturevalue("postgres_url"),
    }[kind]()
    study_name = f"race-{kind}"
    # Started together on a new study: both race to create the tables and the study.
    workers = [
        _worker(storage, study_name, n, f"worker{i}.json", tmp_path) for i, n in enumerate((3, 2))
    ]
    outputs = _communicate_all(workers, timeout=900)
    for worker, (out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, f"{out}\n{err[-3000:]}"
        assert "database is locked" not in err

    numbers = [_trial_numbers(out) for out, _ in outputs]
    assert [len(n) for n in numbers] == [3, 2]
    assert sorted(numbers[0] + numbers[1]) == [0, 1, 2, 3, 4]
    study = _load(storage, study_name)
    assert len(study.trials) == 5
    assert {t.state for t in study.trials} <= {TrialState.COMPLETE, TrialState.PRUNED}
    # Both workers use --random-state 0, yet no parameter set is drawn twice.
    params = [tuple(sorted(t.params.items())) for t in study.trials]
    assert len(set(params)) == 5

    written = [json.loads((tmp_path / f"worker{i}.json").read_text()) for i in range(2)]
    texts = [out + err for out, err in outputs] + [json.dumps(w) for w in written]
    for secret in _url_secrets(storage):
        assert all(secret not in text for text in texts)
    shown = mask_url(storage)
    assert all(summary["storage"] == shown for summary in written)
    if kind == "postgresql":
        assert re.fullmatch(r"postgresql://tuner:\*\*\*@127\.0\.0\.1:\d+/skfmnist", shown)
        assert all(f"study '{study_name}' in {shown}: " in out for out, _ in outputs)
