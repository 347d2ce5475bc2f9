"""Timing of training epochs and predictions, the same for every contender."""

import statistics
import time


class EpochClock:
    """Time the epochs of one fit, and evaluate the test accuracy after each, off the clock.

    A contender calls ``begin_fit`` when its fit starts (after its data preparation),
    ``start_epoch`` and ``end_epoch`` around each epoch (validation and callbacks
    included). ``end_epoch`` stops the clock, then runs the evaluation; the time the
    evaluations take is left out of every figure.
    """

    def __init__(self):
        self.epoch_seconds = []
        self.elapsed_seconds = []
        self.test_accuracy = []
        self.evaluation_seconds = 0.0
        self._fit_start = None
        self._epoch_start = None

    def begin_fit(self):
        self._fit_start = time.perf_counter()

    def start_epoch(self):
        self._epoch_start = time.perf_counter()

    def end_epoch(self, evaluate):
        """Record the epoch, then call ``evaluate() -> test accuracy`` off the clock."""
        now = time.perf_counter()
        self.epoch_seconds.append(now - self._epoch_start)
        self.elapsed_seconds.append(now - self._fit_start - self.evaluation_seconds)
        self.test_accuracy.append(float(evaluate()))
        self.evaluation_seconds += time.perf_counter() - now

    def fit_seconds(self):
        """Seconds since ``begin_fit``, without the evaluations."""
        return time.perf_counter() - self._fit_start - self.evaluation_seconds


def seconds_to_accuracy(elapsed_seconds, test_accuracy, target):
    """Fit seconds until the first epoch whose test accuracy reaches ``target``, or None."""
    for seconds, accuracy in zip(elapsed_seconds, test_accuracy, strict=True):
        if accuracy >= target:
            return seconds
    return None


def time_predictions(predict, n_images, repeats=3):
    """Time ``predict()`` once cold, then ``repeats`` times warm.

    Returns
    -------
    predictions : ndarray
        The labels of the last call.

    timings : dict
        ``predict_first_seconds`` (the first call, with any graph tracing),
        ``predict_seconds`` (median of the warm calls) and ``predict_images_per_second``.
    """
    start = time.perf_counter()
    predictions = predict()
    first = time.perf_counter() - start
    warm = []
    for _ in range(repeats):
        start = time.perf_counter()
        predictions = predict()
        warm.append(time.perf_counter() - start)
    median = statistics.median(warm)
    return predictions, {
        "predict_first_seconds": first,
        "predict_seconds": median,
        "predict_images_per_second": n_images / median,
    }
