"""Command line of ``python -m skfmnist.bench``: run the contenders, report, write files."""

import argparse
import contextlib
import datetime
import difflib
import errno
import importlib.util
import json
import logging
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from .._cmdline import int_at_least, library_versions
from .._io import atomic_write_all
from ._report import format_markdown, format_table, ratios, summarize

logger = logging.getLogger(__name__)

PROG = "python -m skfmnist.bench"
CONTENDERS = ("skfmnist", "keras", "sklearn", "torch")
OPTIONAL = {"torch": "torch"}  # contender -> module it needs
LIBRARIES = ("skfmnist", "numpy", "scikit-learn", "tensorflow", "keras", "scikeras", "torch")
DEFAULT_EPOCHS, QUICK_EPOCHS = 20, 3
DEFAULT_OUT = "benchmarks/results"
# Thread settings a run inherits from its environment, recorded with the machine.
THREAD_VARIABLES = (
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)
_TAIL_LINES = 20


def _accuracy(text):
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}")
    return value


def _contenders(text):
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("name at least one contender")
    for name in names:
        if name not in CONTENDERS:
            close = difflib.get_close_matches(name, CONTENDERS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise argparse.ArgumentTypeError(
                f"unknown contender {name!r}; {hint}choose from {', '.join(CONTENDERS)}"
            )
    return list(dict.fromkeys(names))


def _threads(text):
    """``INTRA[,INTER]`` -> (intra, inter); ``default`` -> None (TensorFlow's pools)."""
    if text == "default":
        return None
    parts = text.split(",")
    try:
        values = [int(part) for part in parts]
    except ValueError:
        values = []
    if len(values) not in (1, 2) or min(values) < 1:
        raise argparse.ArgumentTypeError(
            f"expected INTRA or INTRA,INTER (positive integers) or 'default', got {text!r}"
        )
    return (values[0], values[-1])


def build_parser():
    """Return the argument parser of ``python -m skfmnist.bench``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Train the seed recipe with each contender in a fresh process on the same "
            "Fashion-MNIST data, and compare seconds per epoch, fit time, test accuracy, "
            "time to a target accuracy, prediction throughput and peak memory."
        ),
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=(
            f"small budget: {QUICK_EPOCHS} epochs unless --epochs is given (a minute or two "
            "on 2 cores)"
        ),
    )
    parser.add_argument(
        "--epochs",
        type=int_at_least(1, "epochs"),
        default=None,
        help=f"epochs per fit (default: {DEFAULT_EPOCHS}, {QUICK_EPOCHS} with --quick)",
    )
    parser.add_argument(
        "--repeat",
        type=int_at_least(1, "rounds"),
        default=1,
        help="rounds; each runs every contender once, in the same order (default: 1)",
    )
    parser.add_argument(
        "--contenders",
        type=_contenders,
        default=list(CONTENDERS),
        help=f"comma-separated, from {','.join(CONTENDERS)} (default: all)",
    )
    parser.add_argument(
        "--threads",
        type=_threads,
        default=(1, 1),
        help=(
            "TensorFlow thread pools of the skfmnist contender, INTRA[,INTER] (INTER "
            "defaults to INTRA) or 'default', set with skfmnist.set_tensorflow_threads "
            "before TensorFlow starts; the other contenders keep their libraries' "
            "defaults (default: 1,1)"
        ),
    )
    parser.add_argument(
        "--train-size",
        type=int_at_least(2, "training images"),
        default=None,
        help=(
            "use the first N training images, a tenth of them (rounded up) for validation "
            "(default: all)"
        ),
    )
    parser.add_argument(
        "--target-accuracy",
        type=_accuracy,
        default=0.85,
        help="test accuracy whose time to reach is reported (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int_at_least(0, "seed"), default=0, help="random seed (default: 0)"
    )
    parser.add_argument(
        "--out",
        default=DEFAULT_OUT,
        help="directory for results.json and summary.md (default: %(default)s)",
    )
    parser.add_argument(
        "--data-home", default=None, help="directory of the Fashion-MNIST files (default: auto)"
    )
    # Internal: the parent starts each contender as `--worker NAME --result FILE`.
    parser.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    return parser


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _usable_cpus():
    """The cores this process may run on (its affinity, where the system has one)."""
    if hasattr(os, "sched_getaffinity"):  # Linux
        return len(os.sched_getaffinity(0))
    return os.cpu_count()


def _machine():
    return {
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "usable_cpus": _usable_cpus(),
        "memory_gib": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "thread_environment": {name: os.environ.get(name) for name in THREAD_VARIABLES},
        "load_average_start": os.getloadavg(),
    }


def _worker_command(args, name, result_path, epochs):
    command = [sys.executable, "-m", "skfmnist.bench", "--worker", name]
    command += ["--result", str(result_path), "--epochs", str(epochs), "--seed", str(args.seed)]
    command += ["--target-accuracy", str(args.target_accuracy)]
    threads = "default" if args.threads is None else ",".join(map(str, args.threads))
    command += ["--threads", threads]
    if args.train_size is not None:
        command += ["--train-size", str(args.train_size)]
    if args.data_home is not None:
        command += ["--data-home", args.data_home]
    return command


def _run_in_fresh_process(args, name, epochs):
    """Run one contender in a new Python process; return its record."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryDirectory(prefix="skfmnist-bench-") as tmp:
        result_path = Path(tmp, "result.json")
        completed = subprocess.run(
            _worker_command(args, name, result_path, epochs),
            env=env,
            capture_output=True,
            text=True,
        )
        if completed.returncode == 0 and result_path.exists():
            return json.loads(result_path.read_text())
    tail = "\n".join((completed.stdout + completed.stderr).strip().splitlines()[-_TAIL_LINES:])
    return {
        "contender": name,
        "status": "failed",
        "reason": f"worker exited with status {completed.returncode}:\n{tail}",
    }


def _skip_reason(name):
    module = OPTIONAL.get(name)
    if module is not None and importlib.util.find_spec(module) is None:
        return (
            f"{module} is not installed (optional: 'uv sync --extra torch', or its CPU "
            "build: 'uv pip install torch --index-url https://download.pytorch.org/whl/cpu')"
        )
    return None


def _run_worker(args):
    from ._worker import run_contender

    record = run_contender(
        args.worker,
        epochs=args.epochs,
        seed=args.seed,
        target_accuracy=args.target_accuracy,
        threads=args.threads,
        train_size=args.train_size,
        data_home=args.data_home,
    )
    Path(args.result).write_text(json.dumps(record))
    return 0


def _epochs(args):
    return args.epochs or (QUICK_EPOCHS if args.quick else DEFAULT_EPOCHS)


def _run_rounds(args):
    """Run every round of contenders; yield each run's record as it finishes."""
    epochs = _epochs(args)
    for round_index in range(1, args.repeat + 1):
        for name in args.contenders:
            label = f"round {round_index}/{args.repeat}: {name}"
            reason = _skip_reason(name)
            if reason is not None:
                logger.info("%s skipped: %s", label, reason)
                record = {"contender": name, "status": "skipped", "reason": reason}
            else:
                logger.info("%s ...", label)
                record = _run_in_fresh_process(args, name, epochs)
                if record["status"] == "ok":
                    logger.info(
                        "%s %.2f s/epoch, fit %.1f s, test accuracy %.4f",
                        label,
                        record["seconds_per_epoch"],
                        record["fit_seconds"],
                        record["test_accuracy"],
                    )
                else:
                    logger.error("%s failed: %s", label, record["reason"])
            yield {"round": round_index, **record}


def _new_result(args, argv):
    """The result document before any run: command, machine, libraries, settings."""
    threads = args.threads and {"intra_op": args.threads[0], "inter_op": args.threads[1]}
    return {
        "command": "python -m skfmnist.bench " + " ".join(argv),
        "started": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "finished": None,
        "complete": False,
        "machine": _machine(),
        "libraries": library_versions(LIBRARIES),
        "settings": {
            "epochs": _epochs(args),
            "repeat": args.repeat,
            "seed": args.seed,
            "train_size": args.train_size or 60000,
            "target_accuracy": args.target_accuracy,
            "contenders": args.contenders,
            "threads": threads or "default",
        },
        "runs": [],
        "summary": {},
        "ratios": {},
    }


def _update(result, *, complete):
    """Bring the summary, the ratios and the closing figures up to the runs so far."""
    runs = result["runs"]
    result["finished"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    result["complete"] = complete
    result["machine"]["load_average_end"] = os.getloadavg()
    result["summary"] = summarize(runs, result["settings"]["contenders"])
    result["ratios"] = ratios(runs)
    return result


def run_benchmark(result, args, out=None):
    """Run every round of contenders, adding their records to ``result``; return it.

    ``result`` is a document from ``_new_result``. With ``out``, ``results.json`` and
    ``summary.md`` are rewritten there after every run, marked ``"complete": false``
    until the last one, so that a crash or an interruption loses no finished run.
    """
    planned = args.repeat * len(args.contenders)  # every run yields one record
    for record in _run_rounds(args):
        result["runs"].append(record)
        _update(result, complete=len(result["runs"]) == planned)
        if out is not None:
            _write_results(out, result)
    return result


def _check_before_running(args):
    """Check the output folder and the data once, before any contender starts.

    Returns ``None``, or ``(message, exit status)``; the folders it created for the
    output are removed again when a check fails. Loading the data here also downloads it
    once where it is missing, instead of once per worker.
    """
    out = Path(args.out)
    created = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create the output folder {str(out)!r}: {exc}", 1
    try:
        for name in ("results.json", "summary.md"):
            if (out / name).is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(out / name))
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        problem = f"cannot write to the output folder {str(out)!r}: {exc}", 1
    else:
        problem = _check_data(args)
    if problem is not None:
        for folder in created:  # innermost first; they hold nothing
            folder.rmdir()
    return problem


def _check_data(args):
    from .._data import DataFileError
    from ._data import load_benchmark_data

    try:
        n_train = len(load_benchmark_data(data_home=args.data_home).y_train)
    except (DataFileError, OSError) as exc:
        return f"cannot load Fashion-MNIST: {exc}", 1
    if args.train_size is not None and args.train_size > n_train:
        return (
            f"argument --train-size: expected at most {n_train} (training images), "
            f"got {args.train_size}",
            2,
        )
    return None


def _write_results(out, result):
    def write_text(text):
        return lambda file: file.write(text.encode())

    atomic_write_all(
        [
            (out / "results.json", write_text(json.dumps(result, indent=2) + "\n")),
            (out / "summary.md", write_text(format_markdown(result))),
        ]
    )


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the bench is, to stop it as Ctrl-C does."""


@contextlib.contextmanager
def _terminate_as_interrupt():
    """Within: SIGTERM stops the bench as Ctrl-C does (the worker killed, the runs kept).

    A process-wide setting, made by the command only while it runs and restored after;
    left alone outside the main thread, where no signal handler can be set.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum, frame):
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv=None):
    """Entry point; returns the exit status.

    0 when every contender ran or was skipped, 1 when one failed or a check before the
    runs failed, 2 for a bad argument, 130 on Ctrl-C and 143 on SIGTERM.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    if args.worker is not None:
        return _run_worker(args)
    problem = _check_before_running(args)
    if problem is not None:
        message, status = problem
        print(f"{PROG}: error: {message}", file=sys.stderr)
        return status
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if _epochs(args) < 3:
        logger.warning(
            "With %d epoch(s) the median seconds per epoch includes the first epoch, slower "
            "for the TensorFlow contenders, which trace their graphs in it; use 3 or more "
            "epochs to compare speeds.",
            _epochs(args),
        )
    out = Path(args.out)
    result = _new_result(args, argv)
    try:
        with _terminate_as_interrupt():
            run_benchmark(result, args, out)
    except KeyboardInterrupt as exc:
        # The files already hold every finished run (the running worker is killed: see
        # subprocess.run). An earlier benchmark's files stay as they were when none had
        # finished: nothing is lost to a run that produced nothing.
        if result["runs"]:
            where = f"the finished runs are in {out / 'results.json'}"
        else:
            where = f"no run had finished; nothing was written to {out}"
        terminated = isinstance(exc, _Terminated)
        print(f"{PROG}: {'terminated' if terminated else 'interrupted'}; {where}", file=sys.stderr)
        return 128 + (signal.SIGTERM if terminated else signal.SIGINT)
    target = result["settings"]["target_accuracy"]
    print(format_table(result["summary"], result["ratios"], target))
    print(f"\nWrote {out / 'results.json'} and {out / 'summary.md'}")
    failed = any(run["status"] == "failed" for run in result["runs"])
    return 1 if failed else 0
