"""Pixel scaling from [0, 255] to [0, 1]."""

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["PixelScaler"]


class PixelScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Scale 8-bit pixel intensities to float32 in [0, 1].

    Images of shape (n_samples, height, width) are flattened to (n_samples, height * width).
    Values are divided by 255 in float32, so uint8 0, 128 and 255 become exactly
    ``np.float32(0)``, ``np.float32(128 / 255)`` and ``np.float32(1)``. The input is never
    modified.

    Unlike ``MinMaxScaler``, nothing is learnt from the data: every pixel has the same known
    range, so a test image scales the same whatever the training set was.

    Attributes
    ----------
    n_features_in_ : int
        Number of features (pixels) seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.

    See Also
    --------
    sklearn.preprocessing.MinMaxScaler : Scales each feature by its range in the data.

    Examples
    --------
    >>> import numpy as np
    >>> from skfmnist import PixelScaler
    >>> X = np.array([[0, 128, 255]], dtype=np.uint8)
    >>> PixelScaler().fit_transform(X)
    array([[0.       , 0.5019608, 1.       ]], dtype=float32)
    """

    def fit(self, X, y=None):
        """Check the pixels and record the number of features.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, height, width)
            Pixel intensities in [0, 255].

        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : PixelScaler
            The fitted transformer.
        """
        self._check_pixels(X, reset=True)
        return self

    def transform(self, X):
        """Scale pixels to [0, 1].

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples, height, width)
            Pixel intensities in [0, 255].

        Returns
        -------
        X_scaled : ndarray of shape (n_samples, n_features), dtype float32
            The scaled pixels.
        """
        check_is_fitted(self)
        X = self._check_pixels(X, reset=False)
        return np.divide(X, 255, dtype=np.float32)

    def _check_pixels(self, X, *, reset):
        if getattr(X, "ndim", None) == 3:
            X = X.reshape(X.shape[0], -1)
        elif not hasattr(X, "ndim"):
            X = np.asarray(X)
            if X.ndim == 3:
                X = X.reshape(X.shape[0], -1)
        X = validate_data(self, X, reset=reset, dtype="numeric", ensure_all_finite=True)
        if X.size:
            low, high = X.min(), X.max()
            if low < 0 or high > 255:
                # "Negative values in data" is scikit-learn's wording for positive-only input.
                what = "Negative values in data" if low < 0 else "Values above 255 in data"
                raise ValueError(
                    f"{what} passed to PixelScaler: pixel values must be in [0, 255], "
                    f"got values from {low} to {high}."
                )
        return X

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.positive_only = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
