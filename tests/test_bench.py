"""``python -m skfmnist.bench`` and its pieces."""

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from skfmnist.bench import _cli
from skfmnist.bench._report import format_markdown, format_table, ratios, summarize
from skfmnist.bench._timing import EpochClock, seconds_to_accuracy, time_predictions

RUN_KEYS = {
    "round": int,
    "contender": str,
    "status": str,
    "epochs": int,
    "train_images": int,
    "validation_images": int,
    "test_images": int,
    "seconds_per_epoch": float,
    "fit_seconds": float,
    "test_accuracy": float,
    "predict_first_seconds": float,
    "predict_seconds": float,
    "predict_images_per_second": float,
    "peak_memory_mib": float,
    "epoch_seconds": list,
    "elapsed_seconds": list,
    "test_accuracy_per_epoch": list,
    "worker_seconds": float,
    "threads": dict,
    "notes": str,
}


def _run(contender, round_index, seconds_per_epoch, images_per_second, **extra):
    return {
        "round": round_index,
        "contender": contender,
        "status": "ok",
        "seconds_per_epoch": seconds_per_epoch,
        "fit_seconds": 10 * seconds_per_epoch,
        "test_accuracy": 0.86,
        "seconds_to_target": None,
        "predict_images_per_second": images_per_second,
        "peak_memory_mib": 500.0 + round_index,
        "threads": {"intra_op": 1, "inter_op": 1},
        "notes": f"{contender} notes",
        **extra,
    }


# --- timing ---------------------------------------------------------------------------


def test_seconds_to_accuracy_is_the_elapsed_time_of_the_first_epoch_reaching_it():
    elapsed, accuracy = [1.0, 2.5, 4.0], [0.80, 0.86, 0.84]
    assert seconds_to_accuracy(elapsed, accuracy, 0.85) == 2.5
    assert seconds_to_accuracy(elapsed, accuracy, 0.80) == 1.0
    assert seconds_to_accuracy(elapsed, accuracy, 0.90) is None


def test_epoch_clock_leaves_the_evaluations_out_of_every_figure():
    clock = EpochClock()

    def evaluate():
        time.sleep(0.3)
        return 0.5

    clock.begin_fit()
    for _ in range(2):
        clock.start_epoch()
        time.sleep(0.01)
        clock.end_epoch(evaluate)
    assert clock.test_accuracy == [0.5, 0.5]
    assert clock.evaluation_seconds >= 0.6
    # With the 0.3 s evaluations counted, each of these would exceed 0.3 s and 0.6 s.
    assert all(0.01 <= seconds < 0.3 for seconds in clock.epoch_seconds)
    assert clock.elapsed_seconds[0] < clock.elapsed_seconds[1] < 0.3
    assert clock.fit_seconds() < 0.3


def test_time_predictions_times_a_cold_call_and_the_median_of_warm_ones():
    calls = []

    def predict():
        calls.append(1)
        return np.arange(len(calls))

    predictions, timings = time_predictions(predict, n_images=1000, repeats=3)
    assert len(calls) == 4
    np.testing.assert_array_equal(predictions, [0, 1, 2, 3])
    assert set(timings) == {
        "predict_first_seconds",
        "predict_seconds",
        "predict_images_per_second",
    }
    assert timings["predict_images_per_second"] == 1000 / timings["predict_seconds"]


# --- report ---------------------------------------------------------------------------


def test_summary_takes_medians_and_the_peak_memory_maximum():
    runs = [
        _run("skfmnist", 1, 1.0, 80000.0, seconds_to_target=3.0),
        _run("keras", 1, 2.0, 20000.0),
        _run("skfmnist", 2, 1.2, 60000.0, seconds_to_target=5.0),
        _run("keras", 2, 3.0, 10000.0),
        {"round": 1, "contender": "torch", "status": "skipped", "reason": "not installed"},
    ]
    summary = summarize(runs, ["skfmnist", "keras", "torch"])
    assert summary["skfmnist"] == {
        "runs": 2,
        "status": "ok",
        "seconds_per_epoch": 1.1,
        "fit_seconds": 11.0,
        "test_accuracy": 0.86,
        "seconds_to_target": 4.0,
        "predict_images_per_second": 70000.0,
        "peak_memory_mib": 502.0,
        "threads": {"intra_op": 1, "inter_op": 1},
        "notes": "skfmnist notes",
    }
    assert summary["keras"]["seconds_to_target"] is None
    assert summary["torch"] == {"runs": 0, "status": "skipped", "reason": "not installed"}


def test_ratios_pair_the_contenders_round_by_round():
    runs = [
        _run("skfmnist", 1, 1.0, 80000.0),
        _run("keras", 1, 2.0, 20000.0),
        _run("skfmnist", 2, 1.5, 60000.0),
        _run("keras", 2, 5.0, 10000.0),
        _run("sklearn", 2, 1.5, 120000.0),
    ]
    table = ratios(runs)
    assert table["keras"] == {
        "seconds_per_epoch": 0.4,
        "seconds_per_epoch_per_round": [0.5, 0.3],
        "predict_speedup": 5.0,
        "predict_speedup_per_round": [4.0, 6.0],
    }
    # sklearn only ran in round 2: one pair.
    assert table["sklearn"]["seconds_per_epoch_per_round"] == [1.0]
    assert table["sklearn"]["predict_speedup"] == 0.5


_TRACEBACK = """worker exited with status 1:
Traceback (most recent call last):
  File "_sklearn.py", line 3, in fit
    clf.partial_fit(X_train, y_train)
MemoryError: cannot allocate 2 GiB
"""


def test_table_lists_contenders_skips_failures_and_ratios():
    runs = [
        _run("skfmnist", 1, 1.0, 80000.0, seconds_to_target=2.5),
        _run("keras", 1, 2.5, 20000.0),
        {"round": 1, "contender": "torch", "status": "skipped", "reason": "not installed"},
        {"round": 1, "contender": "sklearn", "status": "failed", "reason": _TRACEBACK},
    ]
    contenders = ["skfmnist", "keras", "torch", "sklearn"]
    text = format_table(summarize(runs, contenders), ratios(runs), target=0.85)
    assert text.splitlines() == [
        "contender  s/epoch  fit s  test acc  s to 0.85  predict img/s  peak MiB",
        "---------  -------  -----  --------  ---------  -------------  --------",
        "skfmnist      1.00   10.0    0.8600        2.5         80,000       501",
        "keras         2.50   25.0    0.8600          -         20,000       501",
        "torch: skipped: not installed",
        "sklearn: failed: worker exited with status 1: MemoryError: cannot allocate 2 GiB "
        "(the full output is in results.json)",
        "",
        "skfmnist seconds per epoch: 0.40x keras (median of per-round ratios; < 1 is faster)",
        "skfmnist prediction throughput: 4.0x keras (> 1 is faster)",
    ]


def _result(runs, *, started, **extra):
    """A bench result of ``runs`` of skfmnist and keras, 10 epochs, 2 rounds."""
    settings = {
        "epochs": 10,
        "repeat": 2,
        "seed": 0,
        "train_size": 60000,
        "target_accuracy": 0.85,
        "contenders": ["skfmnist", "keras"],
        "threads": {"intra_op": 1, "inter_op": 1},
    }
    return {
        "command": "python -m skfmnist.bench --repeat 2",
        "started": started,
        "machine": {
            "cpu_model": "AMD EPYC",
            "usable_cpus": 2,
            "platform": "Linux",
            "python": "3.11.7",
            "load_average_start": [0.5, 0.4, 0.3],
            "load_average_end": [1.5, 1.0, 0.5],
        },
        "libraries": {"skfmnist": "0.1.0", "torch": None},
        "settings": settings,
        "runs": runs,
        "summary": summarize(runs, ["skfmnist", "keras"]),
        "ratios": ratios(runs),
        **extra,
    }


def test_markdown_summary_shows_machine_settings_rounds_and_threads():
    runs = [
        _run("skfmnist", 1, 1.0, 80000.0),
        _run("keras", 1, 2.5, 20000.0, threads={"intra_op": 0, "inter_op": 0}),
        _run("skfmnist", 2, 1.2, 60000.0),
        _run("keras", 2, 4.0, 10000.0, threads={"intra_op": 0, "inter_op": 0}),
    ]
    result = _result(runs, started="2026-12-03T19:45:13+00:00")
    lines = format_markdown(result).splitlines()
    assert lines[2] == "`python -m skfmnist.bench --repeat 2`, 2026-12-03T19:45:13+00:00"
    assert lines[4] == (
        "Machine: AMD EPYC, 2 usable CPUs, Linux, Python 3.11.7; load average 0.50 at the "
        "start, 1.50 at the end."
    )
    assert lines[6] == "Libraries: skfmnist 0.1.0"
    assert lines[8] == (
        "Settings: 10 epochs, 2 rounds (every round runs every contender once, in the order "
        "given), seed 0, 60,000 training images (a tenth of them held out for validation), "
        "skfmnist threads intra_op=1, inter_op=1."
    )
    assert lines[12:14] == [
        "| skfmnist | 1.10 | 11.0 | 0.8600 | - | 70,000 | 502 |",
        "| keras | 3.25 | 32.5 | 0.8600 | - | 15,000 | 502 |",
    ]
    assert lines[15:17] == [
        "- skfmnist seconds per epoch: 0.35x keras (rounds 0.40, 0.30) (median of per-round "
        "ratios; < 1 is faster)",
        "- skfmnist prediction throughput: 5.0x keras (rounds 4.0, 6.0) (> 1 is faster)",
    ]
    assert lines[-2:] == [
        "- **skfmnist** (threads intra_op=1, inter_op=1): skfmnist notes",
        "- **keras** (threads intra_op=default, inter_op=default): keras notes",
    ]


def test_markdown_summary_of_an_unfinished_run_says_how_many_runs_finished():
    runs = [_run("skfmnist", 1, 1.0, 80000.0)]
    result = _result(runs, started="2026-12-04T05:00:00+00:00", complete=False)
    lines = format_markdown(result).splitlines()
    assert lines[4] == ("**Incomplete**: 1 of 4 runs finished (interrupted, or still running).")
    assert lines[-1] == "- **keras**: skipped: not run"
    result["summary"]["keras"] = {"runs": 0, "status": "failed", "reason": _TRACEBACK}
    assert format_markdown(result).splitlines()[-1] == (
        "- **keras**: failed: worker exited with status 1: MemoryError: cannot allocate 2 GiB "
        "(the full output is in results.json)"
    )
    result["complete"] = True
    assert "**Incomplete**" not in format_markdown(result)


# --- command line ---------------------------------------------------------------------


def test_parser_reads_thread_settings_and_contender_lists():
    parser = _cli.build_parser()
    args = parser.parse_args(["--threads", "2,1", "--contenders", "keras, SKfmnist,keras"])
    assert args.threads == (2, 1)
    assert args.contenders == ["keras", "skfmnist"]
    assert parser.parse_args(["--threads", "1"]).threads == (1, 1)
    assert parser.parse_args(["--threads", "default"]).threads is None
    defaults = parser.parse_args([])
    assert (defaults.threads, defaults.repeat, defaults.epochs) == ((1, 1), 1, None)
    assert defaults.contenders == ["skfmnist", "keras", "sklearn", "torch"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--contenders", "skfmnist,kera"],
            "unknown contender 'kera'; did you mean 'keras'? choose from "
            "skfmnist, keras, sklearn, torch",
        ),
        (
            ["--threads", "0"],
            "expected INTRA or INTRA,INTER (positive integers) or 'default', got '0'",
        ),
        (["--epochs", "0"], "argument --epochs: expected an integer >= 1 \\(epochs\\), got '0'"),
        (
            ["--train-size", "1"],
            "argument --train-size: expected an integer >= 2 \\(training images\\), got '1'",
        ),
        (["--seed", "-1"], "argument --seed: expected an integer >= 0 \\(seed\\), got '-1'"),
        (["--repeat", "x"], "argument --repeat: expected an integer >= 1 \\(rounds\\), got 'x'"),
        (
            ["--target-accuracy", "85"],
            r"argument --target-accuracy: expected a number in \(0, 1\], got '85'",
        ),
        (
            ["--target-accuracy", "high"],
            r"argument --target-accuracy: expected a number in \(0, 1\], got 'high'",
        ),
    ],
)
def test_parser_rejects_bad_values_with_a_clear_message(argv, message, capsys):
    with pytest.raises(SystemExit) as exc_info:
        _cli.build_parser().parse_args(argv)
    assert exc_info.value.code == 2
    assert message.replace("\\", "") in capsys.readouterr().err


def test_missing_optional_library_skips_its_contender(monkeypatch):
    monkeypatch.setitem(_cli.OPTIONAL, "torch", "skfmnist_no_such_module")
    assert _cli._skip_reason("torch") == (
        "skfmnist_no_such_module is not installed (optional: 'uv sync --extra torch', or its "
        "CPU build: 'uv pip install torch --index-url https://download.pytorch.org/whl/cpu')"
    )
    assert _cli._skip_reason("sklearn") is None


def test_unloadable_data_stops_the_bench_before_any_contender(tmp_path, monkeypatch, capsys):
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
    monkeypatch.setenv("SKFMNIST_DATA_URL", url)
    home, out = tmp_path / "empty", tmp_path / "new" / "out"
    home.mkdir()
    status = _cli.main(["--data-home", str(home), "--out", str(out)])
    assert status == 1
    err = capsys.readouterr().err
    assert err.startswith(
        "python -m skfmnist.bench: error: cannot load Fashion-MNIST: Fashion-MNIST not found "
        f"in {home} (missing train-images-idx3-ubyte.gz); Could not download Fashion-MNIST "
        f"from {url}train-images-idx3-ubyte.gz: "
    )
    assert err.count("\n") == 1  # one line, no traceback
    assert sorted(path.name for path in tmp_path.iterdir()) == ["empty"]  # folders removed
    assert list(home.iterdir()) == []  # no partial download


def test_unusable_output_folder_stops_the_bench_before_any_contender(tmp_path, capsys):
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("keep me")
    status = _cli.main(["--out", str(not_a_folder)])
    assert status == 1
    assert capsys.readouterr().err == (
        "python -m skfmnist.bench: error: cannot create the output folder "
        f"{str(not_a_folder)!r}: [Errno 17] File exists: {str(not_a_folder)!r}\n"
    )
    assert not_a_folder.read_text() == "keep me"


def test_output_folder_that_cannot_take_the_results_stops_the_bench_first(tmp_path, capsys):
    out = tmp_path / "out"
    (out / "results.json").mkdir(parents=True)
    (out / "summary.md").write_text("an earlier summary")
    status = _cli.main(["--out", str(out)])
    assert status == 1
    assert capsys.readouterr().err == (
        "python -m skfmnist.bench: error: cannot write to the output folder "
        f"{str(out)!r}: [Errno 21] Is a directory: {str(out / 'results.json')!r}\n"
    )
    assert sorted(path.name for path in out.iterdir()) == ["results.json", "summary.md"]
    assert (out / "summary.md").read_text() == "an earlier summary"


@pytest.mark.slow
def test_training_size_beyond_the_data_is_an_error(tmp_path, capsys):
    status = _cli.main(["--train-size", "70000", "--out", str(tmp_path)])
    assert status == 2
    assert capsys.readouterr().err == (
        "python -m skfmnist.bench: error: argument --train-size: expected at most 60000 "
        "(training images), got 70000\n"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_bench_command_alternates_fresh_workers_and_writes_its_results(tmp_path):
    out = tmp_path / "results"
    command = [sys.executable, "-m", "skfmnist.bench", "--contenders", "sklearn,skfmnist"]
    command += ["--epochs", "1", "--train-size", "1000", "--repeat", "2", "--out", str(out)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=600, env=env, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert completed.stdout.splitlines()[0] == (
        "contender  s/epoch  fit s  test acc  s to 0.85  predict img/s  peak MiB"
    )

    result = json.loads((out / "results.json").read_text())
    assert result["settings"] == {
        "epochs": 1,
        "repeat": 2,
        "seed": 0,
        "train_size": 1000,
        "target_accuracy": 0.85,
        "contenders": ["sklearn", "skfmnist"],
        "threads": {"intra_op": 1, "inter_op": 1},
    }
    assert result["machine"]["cpu_count"] >= 1
    assert result["libraries"]["tensorflow"] and result["libraries"]["scikit-learn"]
    runs = result["runs"]
    # ABAB: every round runs the contenders in the given order.
    assert [(run["round"], run["contender"]) for run in runs] == [
        (1, "sklearn"),
        (1, "skfmnist"),
        (2, "sklearn"),
        (2, "skfmnist"),
    ]
    for run in runs:
        assert run["status"] == "ok"
        for key, kind in RUN_KEYS.items():
            assert isinstance(run[key], kind), key
        assert (run["epochs"], run["train_images"], run["validation_images"]) == (1, 900, 100)
        assert run["test_images"] == 10000
        for key in ("seconds_per_epoch", "fit_seconds", "predict_seconds", "peak_memory_mib"):
            assert run[key] > 0, key
        assert len(run["epoch_seconds"]) == len(run["test_accuracy_per_epoch"]) == 1
        assert 0.5 < run["test_accuracy"] < 0.9
    skfmnist = [run for run in runs if run["contender"] == "skfmnist"]
    assert skfmnist[0]["threads"] == {"intra_op": 1, "inter_op": 1}
    # Seeded: the fresh processes of the two rounds train the same model.
    assert skfmnist[0]["test_accuracy"] == skfmnist[1]["test_accuracy"]
    assert skfmnist[0]["test_accuracy_per_epoch"] == skfmnist[1]["test_accuracy_per_epoch"]
    assert set(result["summary"]) == {"sklearn", "skfmnist"}
    assert result["summary"]["skfmnist"]["runs"] == 2
    assert set(result["ratios"]) == {"sklearn"}
    assert len(result["ratios"]["sklearn"]["seconds_per_epoch_per_round"]) == 2
    summary = (out / "summary.md").read_text()
    assert "| contender | s/epoch | fit s | test acc | s to 0.85 | predict img/s | peak MiB |" in (
        summary
    )


def _bench_env(tmp_path):
    """The bench's environment, with a temporary folder of the test's own."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "TMPDIR": str(tmp)}, tmp


@pytest.mark.slow
def test_keras_and_torch_contenders_run_or_torch_is_skipped_with_its_install_command(tmp_path):
    out = tmp_path / "results"
    command = [sys.executable, "-m", "skfmnist.bench", "--contenders", "keras,torch"]
    command += ["--epochs", "3", "--train-size", "1000", "--out", str(out)]
    env, tmp = _bench_env(tmp_path)
    # The keras contender keeps TensorFlow's defaults, which this environment sets.
    env.update(TF_NUM_INTRAOP_THREADS="1", TF_NUM_INTEROP_THREADS="2")
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=600, env=env, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads((out / "results.json").read_text())
    assert result["complete"] is True
    assert result["machine"]["thread_environment"]["TF_NUM_INTEROP_THREADS"] == "2"
    keras_run, torch_run = result["runs"]
    assert (keras_run["contender"], keras_run["status"]) == ("keras", "ok")
    assert (keras_run["epochs"], keras_run["train_images"]) == (3, 900)
    assert keras_run["threads"] == {"intra_op": 1, "inter_op": 2}
    assert 0.5 < keras_run["test_accuracy"] < 0.9
    assert keras_run["seconds_per_epoch"] == sorted(keras_run["epoch_seconds"])[1]
    if importlib.util.find_spec("torch") is None:
        assert torch_run == {
            "round": 1,
            "contender": "torch",
            "status": "skipped",
            "reason": _cli._skip_reason("torch"),
        }
        assert "torch: skipped: torch is not installed" in completed.stdout
    else:
        assert (torch_run["contender"], torch_run["status"]) == ("torch", "ok")
        assert (torch_run["epochs"], torch_run["validation_images"]) == (3, 100)
        assert 0.5 < torch_run["test_accuracy"] < 0.9
        assert set(result["ratios"]) == set()  # no skfmnist run to compare with
    assert list(tmp.glob("skfmnist-bench-*")) == []  # the workers' result folders are gone


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_interrupted_bench_keeps_the_runs_that_finished(tmp_path):
    out = tmp_path / "results"
    command = [sys.executable, "-m", "skfmnist.bench", "--contenders", "sklearn,skfmnist"]
    command += ["--epochs", "50", "--train-size", "1000", "--repeat", "2", "--out", str(out)]
    env, tmp = _bench_env(tmp_path)
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        # Its own process group, so that the SIGINT reaches the bench and its worker as a
        # terminal's Ctrl-C does; and SIGINT's default disposition, which a shell's
        # background job would otherwise pass on ignored.
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        for line in process.stderr:
            if line.startswith("round 1/2: skfmnist ..."):  # sklearn's run is written
                time.sleep(2)  # the skfmnist worker is starting
                os.killpg(process.pid, signal.SIGINT)
                break
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130
    assert stderr.endswith(
        f"python -m skfmnist.bench: interrupted; the finished runs are in {out / 'results.json'}\n"
    )
    assert stdout == ""
    result = json.loads((out / "results.json").read_text())
    assert result["complete"] is False
    assert [(run["round"], run["contender"], run["status"]) for run in result["runs"]] == [
        (1, "sklearn", "ok")
    ]
    assert result["summary"]["sklearn"]["runs"] == 1
    summary = (out / "summary.md").read_text()
    assert "**Incomplete**: 1 of 4 runs finished (interrupted, or still running)." in summary
    assert sorted(path.name for path in out.iterdir()) == ["results.json", "summary.md"]
    assert list(tmp.glob("skfmnist-bench-*")) == []


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_terminated_bench_kills_its_worker_and_keeps_an_earlier_benchmarks_files(tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    (out / "results.json").write_text('{"earlier": true}')
    command = [sys.executable, "-m", "skfmnist.bench", "--contenders", "skfmnist"]
    command += ["--epochs", "50", "--train-size", "1000", "--out", str(out)]
    env, tmp = _bench_env(tmp_path)
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True
    )
    try:
        for line in process.stderr:
            if line.startswith("round 1/1: skfmnist ..."):
                time.sleep(2)  # the worker is starting
                process.terminate()  # SIGTERM to the bench only, not to its worker
                break
        stderr = process.stderr.read()
        process.wait(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 143
    assert stderr == (
        f"python -m skfmnist.bench: terminated; no run had finished; nothing was written to {out}\n"
    )
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # no process left in the bench's group: the worker is gone
    assert (out / "results.json").read_text() == '{"earlier": true}'
    assert list(tmp.glob("skfmnist-bench-*")) == []


# --- the recorded run in benchmarks/ ---------------------------------------------------

_BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def _recorded(folder):
    return json.loads((_BENCHMARKS / folder / "results.json").read_text(encoding="utf-8"))


def test_recorded_run_meets_the_speed_goals_in_every_round():
    result = _recorded("recorded")
    assert result["complete"] is True
    assert result["settings"]["epochs"] == 10 and result["settings"]["repeat"] == 3
    assert result["machine"]["usable_cpus"] == 2
    assert [run["status"] for run in result["runs"]] == ["ok"] * 12
    ratios = result["ratios"]
    assert set(ratios) == {"keras", "sklearn", "torch"}
    assert max(ratios["keras"]["seconds_per_epoch_per_round"]) <= 0.5
    assert max(ratios["sklearn"]["seconds_per_epoch_per_round"]) <= 1
    assert max(ratios["torch"]["seconds_per_epoch_per_round"]) <= 1
    assert min(ratios["keras"]["predict_speedup_per_round"]) > 1
    accuracy = {name: entry["test_accuracy"] for name, entry in result["summary"].items()}
    assert accuracy["skfmnist"] >= accuracy["keras"]


@pytest.mark.parametrize("readme", ["benchmarks/README.md", "README.md"])
def test_readmes_quote_the_recorded_run(readme):
    text = (_BENCHMARKS.parent / readme).read_text(encoding="utf-8")
    result = _recorded("recorded")
    for name, entry in result["summary"].items():
        assert f"{entry['seconds_per_epoch']:.2f}" in text, name
        assert f"{entry['predict_images_per_second']:,.0f}" in text, name
        assert f"{entry['test_accuracy']:.4f}" in text, name
    for name, entry in result["ratios"].items():
        rounds = " | ".join(f"{r:.2f}" for r in entry["seconds_per_epoch_per_round"])
        quoted = (
            f"| {rounds} | **{entry['seconds_per_epoch']:.2f}** |"  # the ratio table
            if readme.startswith("benchmarks/")
            else f"{entry['seconds_per_epoch']:.2f}×"
        )
        assert quoted in text, name
