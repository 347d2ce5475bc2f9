"""Tune the Fashion-MNIST pipeline with Optuna: ``python -m skfmnist.tune``.

Runs ``--n-trials`` trials of a study on a stratified ``--train-size`` subset of the
Fashion-MNIST training set, prints one line per finished trial and the best trial at the
end, and writes the best parameters as JSON (``--output``).

The study lives in ``--storage``: by default the journal file ``skfmnist-tune.journal`` in
the working directory, which several processes on this machine can share; with
``sqlite:///tune.db`` an SQLite database; with ``postgresql://user:password@host/db`` a
PostgreSQL database that workers on many machines share. Running the command again
resumes the study, and every worker is the same command pointed at the same storage and
study name. A storage password is never printed, logged or written. With several workers
on one machine, ``--threads 1`` per worker keeps them from oversubscribing the cores.

Examples
--------
::

    uv run python -m skfmnist.tune --n-trials 20 --train-size 10000 --epochs 20
    uv run python -m skfmnist.tune --storage postgresql://tuner:secret@db.lan/skfmnist
"""

import argparse
import contextlib
import logging
import sys
from pathlib import Path
from urllib.parse import unquote, unquote_plus

# Plain Python: importing it starts no TensorFlow (see _configure_tensorflow).
from ._cmdline import format_table, int_at_least, write_json

logger = logging.getLogger(__name__)

PROG = "python -m skfmnist.tune"
DEFAULT_STORAGE = "skfmnist-tune.journal"
DEFAULT_OUTPUT = "best_params.json"
_MASK = "***"


class _CommandError(Exception):
    """A failure to report as one line on stderr, with exit status ``status``."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.status = status


def _positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


# Integer flags: argparse types shared with the main command (one wording of the errors).
_n_trials = int_at_least(1, "trials")
_n_images = int_at_least(1, "training images")
_epochs = int_at_least(1, "epochs")
_seed = int_at_least(0, "a seed")
_threads = int_at_least(1, "threads per pool")


def build_parser():
    """Return the argument parser of ``python -m skfmnist.tune``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Tune the Fashion-MNIST MLP with Optuna. Run the same command in several "
            "processes or on several machines, with the same --storage and --study-name, "
            "to share one study; run it again to resume."
        ),
    )
    parser.add_argument(
        "--n-trials",
        type=_n_trials,
        default=20,
        help="trials this worker runs (default: %(default)s)",
    )
    parser.add_argument(
        "--storage",
        default=DEFAULT_STORAGE,
        help=(
            "journal file path, sqlite:///file.db or postgresql://user:password@host/db "
            "(default: %(default)s in the working directory)"
        ),
    )
    parser.add_argument(
        "--study-name", default="skfmnist", help="name of the study (default: %(default)s)"
    )
    parser.add_argument(
        "--train-size",
        type=_n_images,
        default=10000,
        help="training images, a stratified subset of the 60,000 (default: %(default)s)",
    )
    parser.add_argument(
        "--epochs", type=_epochs, default=20, help="epochs per trial (default: %(default)s)"
    )
    parser.add_argument(
        "--timeout",
        type=_positive_float,
        default=None,
        help="seconds after which this worker starts no new trial (default: none)",
    )
    parser.add_argument(
        "--random-state",
        type=_seed,
        default=0,
        help=(
            "seed of the training subset, the models and the sampler; workers of one study "
            "must share it (default: %(default)s)"
        ),
    )
    parser.add_argument(
        "--neuron-health",
        action="store_true",
        help="also maximise the fraction of live hidden units (multi-objective, not pruned)",
    )
    parser.add_argument(
        "--threads",
        type=_threads,
        default=None,
        metavar="N",
        help=(
            "size of both TensorFlow thread pools (see skfmnist.set_tensorflow_threads); "
            "with several workers on one machine, --threads 1 per worker avoids "
            "oversubscribing the cores (default: TensorFlow's, one thread per core)"
        ),
    )
    parser.add_argument(
        "--output",
        default=DEFAULT_OUTPUT,
        help="JSON file for the best parameters (default: %(default)s)",
    )
    parser.add_argument(
        "--data-home", default=None, help="directory of the Fashion-MNIST files (default: auto)"
    )
    return parser


def _url_secrets(storage):
    """The passwords of a storage URL, in every spelling they may be printed in.

    A password sits in the user information (``user:password@``) or in the query string
    (``?password=...``, which SQLAlchemy passes to the driver); both are secrets.
    """
    if "://" not in storage:
        return set()
    secrets = set()
    rest = storage.split("://", 1)[1]
    rest, _, query = rest.partition("?")
    if "@" in rest:
        userinfo = rest.rsplit("@", 1)[0]
        if ":" in userinfo:
            raw = userinfo.split(":", 1)[1]
            secrets.update({raw, unquote(raw)})
    for pair in query.split("&"):
        key, _, raw = pair.partition("=")
        if unquote_plus(key) == "password":
            secrets.update({raw, unquote_plus(raw)})
    with contextlib.suppress(Exception):
        from sqlalchemy.engine import make_url

        url = make_url(storage)
        secrets.update(str(p) for p in [url.password, *_query_passwords(url)] if p)
    return {secret for secret in secrets if secret}


def _query_passwords(url):
    value = url.query.get("password", ())
    return [value] if isinstance(value, str) else list(value)


def _redact(text, secrets):
    # Longest first, so that a password that contains another spelling of itself goes whole.
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, _MASK)
    return text


def mask_url(storage):
    """Return ``storage`` with the passwords of a database URL replaced by ``***``.

    Both spellings are masked: ``user:password@host`` and ``?password=...``.

    Parameters
    ----------
    storage : str
        A database URL or a file path.

    Returns
    -------
    shown : str
        The text to print.

    Examples
    --------
    >>> from skfmnist.tune import mask_url
    >>> mask_url("postgresql://tuner:s3cret@db.lan:5432/skfmnist")
    'postgresql://tuner:***@db.lan:5432/skfmnist'
    >>> mask_url("postgresql://tuner@db.lan/skfmnist?password=s3cret&sslmode=require")
    'postgresql://tuner@db.lan/skfmnist?password=***&sslmode=require'
    """
    if "://" not in storage:
        return storage
    try:
        from sqlalchemy.engine import make_url

        url = make_url(storage)
    except Exception:
        return _redact(storage, _url_secrets(storage))
    if "password" not in url.query:
        return url.render_as_string(hide_password=True)
    # SQLAlchemy masks only the user information's password, and would percent-encode a
    # "***" put in the query: substitute a plain placeholder, then the mask.
    placeholder = "SKFMNISTMASKEDPASSWORD"
    url = url.update_query_dict({"password": placeholder})
    return url.render_as_string(hide_password=True).replace(placeholder, _MASK)


class _RedactingFormatter(logging.Formatter):
    """Log formatter that masks secrets anywhere in a record, tracebacks included."""

    def __init__(self, secrets):
        super().__init__("%(levelname)s %(name)s: %(message)s")
        self.secrets = secrets

    def format(self, record):
        return _redact(super().format(record), self.secrets)


@contextlib.contextmanager
def _redacted_logging(secrets):
    """Route Optuna's, Python's and warnings' log records through a redacting handler.

    Optuna and SQLAlchemy messages may quote a storage URL; everything they log reaches
    stderr only through this handler. The previous state is restored on exit, so that
    ``main`` can be called in a running process (tests, notebooks).
    """
    import optuna

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_RedactingFormatter(secrets))
    root = logging.getLogger()
    saved = (root.level, optuna.logging.get_verbosity())
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    # Our per-trial lines replace Optuna's INFO lines; its warnings still come through.
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    optuna.logging.disable_default_handler()
    optuna.logging.enable_propagation()
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        optuna.logging.disable_propagation()
        optuna.logging.enable_default_handler()
        optuna.logging.set_verbosity(saved[1])
        root.setLevel(saved[0])
        root.removeHandler(handler)


def _format_value(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _format_params(params):
    return " ".join(f"{name}={_format_value(value)}" for name, value in params.items())


def _trial_line(trial):
    """One line per finished trial: number, state, value(s), seconds, parameters."""
    seconds = trial.duration.total_seconds() if trial.duration is not None else float("nan")
    if trial.state.name == "FAIL":
        outcome = trial.user_attrs.get("fail_reason", "failed")
    elif trial.values is None:
        outcome = "value -"
    else:
        outcome = "value " + "/".join(f"{v:.4f}" for v in trial.values)
        if trial.state.name == "PRUNED" and trial.intermediate_values:
            outcome += f" at epoch {max(trial.intermediate_values) + 1}"
    return (
        f"trial {trial.number:4d}  {trial.state.name:<8}  {outcome}  {seconds:6.1f} s  "
        f"{_format_params(trial.params)}"
    )


def _print_trial(study, trial):
    print(_trial_line(trial), flush=True)


def _trial_record(trial):
    return {
        "number": trial.number,
        "values": trial.values,
        "params": trial.params,
        "mlp_params": trial.user_attrs.get("mlp_params", trial.params),
        "seconds": trial.duration.total_seconds(),
    }


def _summarize(study, objectives, storage, threads):
    """Return the JSON-ready summary of a study: counts, best trial or Pareto front."""
    from optuna.trial import TrialState

    counts = {state.name: 0 for state in TrialState}
    for trial in study.trials:
        counts[trial.state.name] += 1
    summary = {
        "study_name": study.study_name,
        "storage": mask_url(storage),
        "objectives": list(objectives),
        "threads": threads,
        "n_trials": counts,
    }
    complete = counts["COMPLETE"] > 0
    if len(objectives) == 1:
        best = study.best_trial if complete else None
        summary["best_trial"] = _trial_record(best) if best else None
        summary["best_params"] = best.params if best else None
    else:
        summary["pareto_front"] = [_trial_record(t) for t in study.best_trials]
    return summary


def _summary_table(summary):
    objectives = summary["objectives"]
    if "best_trial" in summary:
        best = summary["best_trial"]
        rows = [("trial", best["number"]), ("validation accuracy", best["values"][0])]
        rows += list(best["mlp_params"].items())
        rows.append(("seconds", best["seconds"]))
        headers = ["best trial", "value"]
    else:
        front = summary["pareto_front"]
        names = list(front[0]["params"]) if front else []
        rows = [[t["number"], *t["values"], *(t["params"][n] for n in names)] for t in front]
        headers = ["trial", *objectives, *names]
    rows = [[_format_value(cell) for cell in row] for row in rows]
    return format_table(rows, headers, "<" * len(headers))


def _training_subset(train_size, random_state, data_home):
    """The stratified ``train_size`` subset of the training set; bad sizes exit with 2."""
    from ._cmdline import stratified_subset
    from ._data import DataFileError, fetch_fashion_mnist

    try:
        X, y = fetch_fashion_mnist(subset="train", data_home=data_home, return_X_y=True)
    except (DataFileError, OSError) as exc:
        raise _CommandError(f"cannot load Fashion-MNIST: {exc}") from exc
    try:
        return stratified_subset(X, y, train_size, random_state)
    except ValueError as exc:
        # The main command's wording, so that both read the same.
        raise _CommandError(f"--train-size: {exc}", status=2) from exc


def _configure_tensorflow(threads):
    from ._cmdline import configure_tensorflow

    try:
        configure_tensorflow(threads)
    except RuntimeError as exc:  # TensorFlow already runs in this process with other pools
        raise _CommandError(f"--threads: {exc}") from exc


def _open_storage(storage, shown):
    """``make_storage(storage)``; a database that refuses us is a one-line error."""
    import sqlalchemy.exc

    from .tuning import make_storage

    try:
        return make_storage(storage)
    except sqlalchemy.exc.DBAPIError as exc:
        # The driver's own text ("password authentication failed for user ...",
        # "Connection refused") without SQLAlchemy's SQL and link lines.
        reason = " ".join(str(exc.orig).split())
        raise _CommandError(f"cannot open the storage {shown}: {reason}") from exc


def _run(args):
    from .tuning import tune

    objectives = ("accuracy", "neuron_health") if args.neuron_health else ("accuracy",)
    shown = mask_url(args.storage)
    # The data first: a bad --train-size must not leave a new, empty storage behind.
    X, y = _training_subset(args.train_size, args.random_state, args.data_home)
    storage = _open_storage(args.storage, shown)
    print(
        f"study {args.study_name!r} in {shown}: {args.n_trials} trials on {len(y)} images, "
        f"{args.epochs} epochs each, objectives {', '.join(objectives)}",
        flush=True,
    )
    study = tune(
        X,
        y,
        n_trials=args.n_trials,
        timeout=args.timeout,
        storage=storage,
        study_name=args.study_name,
        params={"epochs": args.epochs},
        objectives=objectives,
        random_state=args.random_state,
        callbacks=[_print_trial],
    )
    summary = _summarize(study, objectives, args.storage, args.threads)
    counts = ", ".join(f"{n} {state.lower()}" for state, n in summary["n_trials"].items() if n)
    print(f"\nstudy {study.study_name!r}: {counts}")
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    write_json(args.output, summary)
    if not (summary.get("best_trial") or summary.get("pareto_front")):
        logger.error("No trial of study %r has completed; nothing to report.", args.study_name)
        return 1
    print(_summary_table(summary))
    print(f"wrote {args.output}")
    return 0


def main(argv=None):
    """Run the command; return its exit status (0 success, 1 failure, 2 usage error)."""
    args = build_parser().parse_args(argv)
    secrets = _url_secrets(args.storage)
    with _redacted_logging(secrets):
        try:
            # Before anything imports TensorFlow: it reads its log level and thread pool
            # sizes once. Hence the lazy imports of skfmnist.tuning and the data below.
            _configure_tensorflow(args.threads)
            return _run(args)
        except _CommandError as exc:
            print(f"{PROG}: error: {_redact(str(exc), secrets)}", file=sys.stderr)
            return exc.status
        except Exception:
            # Through the redacting handler: the exception's text may quote the URL.
            logger.exception("%s failed", PROG)
            return 1


if __name__ == "__main__":
    sys.exit(main())
