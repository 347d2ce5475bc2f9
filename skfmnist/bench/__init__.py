"""Benchmark: ``python -m skfmnist.bench``.

Trains the seed recipe (784-256-10 MLP, batch size 64, Adam 1e-3, validation data, early
stopping and learning-rate halving on validation accuracy) with several contenders on the
same Fashion-MNIST data, each in a fresh process, one after another and alternated when
repeated, and reports per contender: the median seconds per epoch, the total fit time,
the test accuracy after the same number of epochs, the time to reach a target test
accuracy, the prediction throughput on the test images and the peak memory.

Contenders
----------
skfmnist
    ``make_fashion_pipeline(epochs=..., random_state=...)``, with the thread pools of
    ``--threads`` set by ``set_tensorflow_threads`` before TensorFlow starts.
keras
    The same recipe in plain Keras as a user writes it from the seed: ``Sequential``,
    ``compile``, ``fit(validation_split=0.1, batch_size=64)`` with both callbacks,
    TensorFlow's and Keras' default settings.
sklearn
    ``MLPClassifier(hidden_layer_sizes=(256,), batch_size=64, learning_rate_init=1e-3)``:
    ReLU (scikit-learn has no LeakyReLU), no dropout (an L2 penalty instead), one
    ``partial_fit`` pass per epoch followed by the validation score.
torch
    A plain PyTorch loop of the same model and recipe, when ``torch`` is installed
    (otherwise reported as skipped).

The command-line interface lives in ``_cli``, one module per contender beside it.
"""
