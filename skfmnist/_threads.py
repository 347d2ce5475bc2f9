"""TensorFlow's thread pools, chosen explicitly before its runtime starts."""

import os
from numbers import Integral

from sklearn.utils._param_validation import Interval, validate_params

__all__ = ["set_tensorflow_threads"]

# TensorFlow reads these when its runtime starts in a process that did not set the pools
# through tf.config, so processes started later (joblib's workers) inherit the choice.
_ENVIRONMENT = {"intra_op": "TF_NUM_INTRAOP_THREADS", "inter_op": "TF_NUM_INTEROP_THREADS"}


@validate_params(
    {
        "intra_op": [Interval(Integral, 0, None, closed="left")],
        "inter_op": [Interval(Integral, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def set_tensorflow_threads(intra_op=1, inter_op=1):
    """Set the sizes of TensorFlow's thread pools, before TensorFlow starts.

    TensorFlow runs each operation on ``intra_op`` threads and up to ``inter_op``
    independent operations at once; by default both pools have one thread per core. The
    Fashion-MNIST MLP's operations at batch size 64 are too small to split well: on two
    cores, one thread in each pool trains faster than the defaults (a median of 1.15 s
    instead of 1.84 s per epoch of 54,000 images over five alternated runs of
    ``python -m skfmnist.bench --contenders skfmnist --threads 1`` and ``--threads
    default``), and leaves the other core to tf.data's input pipeline, to other work, or
    to a second fit.

    The pools are process-wide and fixed once TensorFlow's runtime has started (the first
    model built, tensor created or fit run), so call this at the start of a script or
    command. Processes started afterwards (for instance joblib's workers in
    ``cross_validate(..., n_jobs=2)`` or ``GridSearchCV(..., n_jobs=2)``) inherit the
    setting through the environment variables ``TF_NUM_INTRAOP_THREADS`` and
    ``TF_NUM_INTEROP_THREADS``, which this function sets. With ``n_jobs`` workers, one
    thread per worker is the right choice; a single fit of a much wider model or with much
    larger batches, alone on an otherwise idle many-core machine, can profit from more
    intra-op threads.

    Parameters
    ----------
    intra_op : int, default=1
        Threads that one operation (a matrix product) may use. ``0`` lets TensorFlow
        choose (one per core).

    inter_op : int, default=1
        Operations that may run at the same time. ``0`` lets TensorFlow choose.

    Raises
    ------
    RuntimeError
        If TensorFlow's runtime has already started with other pool sizes.

    Examples
    --------
    >>> from skfmnist import set_tensorflow_threads
    >>> set_tensorflow_threads(intra_op=1, inter_op=1)  # doctest: +SKIP
    """
    import tensorflow as tf

    threading = tf.config.threading
    current = {
        "intra_op": threading.get_intra_op_parallelism_threads(),
        "inter_op": threading.get_inter_op_parallelism_threads(),
    }
    try:
        # Setting the value already in force is allowed after start-up: calls repeat.
        threading.set_intra_op_parallelism_threads(intra_op)
        threading.set_inter_op_parallelism_threads(inter_op)
    except RuntimeError as exc:
        raise RuntimeError(
            f"set_tensorflow_threads(intra_op={intra_op}, inter_op={inter_op}) was called "
            "after TensorFlow's runtime had started with intra_op="
            f"{current['intra_op']}, inter_op={current['inter_op']} (0: TensorFlow's choice); "
            "its thread pools cannot change any more. Call it at the start of the "
            "process, before any model is built or fitted."
        ) from exc
    os.environ[_ENVIRONMENT["intra_op"]] = str(intra_op)
    os.environ[_ENVIRONMENT["inter_op"]] = str(inter_op)
