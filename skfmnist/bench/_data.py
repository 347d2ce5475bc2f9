"""The data every contender trains and is tested on."""

import math

import numpy as np
from sklearn.utils import Bunch

from .._data import fetch_fashion_mnist

# Plain Keras' ``validation_split=0.1`` holds out the last tenth; the loops written by
# hand (scikit-learn, PyTorch) do the same. skfmnist draws its own stratified tenth.
VALIDATION_FRACTION = 0.1


def load_benchmark_data(train_size=None, data_home=None):
    """Fashion-MNIST's training images (the first ``train_size``) and its 10,000 test images.

    Returns
    -------
    data : Bunch
        ``X_train`` (n, 784) and ``X_test`` uint8 pixels, ``y_train`` and ``y_test``
        int64 labels, and ``n_validation``, the number of training images held out.
    """
    X_train, y_train = fetch_fashion_mnist(subset="train", data_home=data_home, return_X_y=True)
    X_test, y_test = fetch_fashion_mnist(subset="test", data_home=data_home, return_X_y=True)
    if train_size is not None:
        X_train, y_train = X_train[:train_size], y_train[:train_size]
    return Bunch(
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        n_validation=math.ceil(VALIDATION_FRACTION * len(y_train)),
    )


def scaled(X):
    """Pixels as float32 in [0, 1], the data preparation of the hand-written contenders."""
    return np.divide(X, 255, dtype=np.float32)


def train_validation(data):
    """Scaled training and validation parts: the last ``n_validation`` images held out."""
    X, n_val = scaled(data.X_train), data.n_validation
    return X[:-n_val], data.y_train[:-n_val], X[-n_val:], data.y_train[-n_val:]
