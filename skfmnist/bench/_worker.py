"""One contender's run, in the process it has to itself."""

import importlib
import resource
import statistics
import sys
import time

import numpy as np

from ._data import load_benchmark_data
from ._timing import EpochClock, seconds_to_accuracy, time_predictions

# The peak resident set size (ru_maxrss) is in bytes on macOS, in KiB elsewhere.
_MAXRSS_PER_MIB = 2**20 if sys.platform == "darwin" else 2**10


def run_contender(
    name, *, epochs, seed, target_accuracy, threads=None, train_size=None, data_home=None
):
    """Train and time contender ``name``; return its record (a JSON-ready dict).

    ``threads`` is an ``(intra_op, inter_op)`` pair given to ``set_tensorflow_threads``
    before anything starts TensorFlow; only the ``skfmnist`` contender takes it.
    """
    start = time.perf_counter()
    if name == "skfmnist" and threads is not None:
        from .._threads import set_tensorflow_threads

        set_tensorflow_threads(*threads)
    contender = importlib.import_module(f"._{name}", __package__)
    data = load_benchmark_data(train_size, data_home)
    clock = EpochClock()
    predict, info = contender.fit(data, epochs=epochs, seed=seed, clock=clock)
    fit_seconds = clock.fit_seconds()
    predictions, timings = time_predictions(predict, len(data.y_test))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "contender": name,
        "status": "ok",
        "epochs": len(clock.epoch_seconds),
        "train_images": len(data.y_train) - data.n_validation,
        "validation_images": data.n_validation,
        "test_images": len(data.y_test),
        "seconds_per_epoch": statistics.median(clock.epoch_seconds),
        "fit_seconds": fit_seconds,
        "test_accuracy": float(np.mean(np.asarray(predictions) == data.y_test)),
        "seconds_to_target": seconds_to_accuracy(
            clock.elapsed_seconds, clock.test_accuracy, target_accuracy
        ),
        **timings,
        "peak_memory_mib": peak / _MAXRSS_PER_MIB,
        "epoch_seconds": clock.epoch_seconds,
        "elapsed_seconds": clock.elapsed_seconds,
        "test_accuracy_per_epoch": clock.test_accuracy,
        "worker_seconds": time.perf_counter() - start,
        **info,
    }
