import numpy as np
import pytest
from sklearn.utils._testing import assert_array_equal

from skfmnist import PixelScaler


def test_pixel_scaler_maps_0_128_255_exactly_to_float32():
    X = np.array([[0, 128, 255]], dtype=np.uint8)
    Xt = PixelScaler().fit_transform(X)
    assert Xt.dtype == np.float32
    assert_array_equal(Xt, np.array([[0.0, np.float32(128) / np.float32(255), 1.0]], np.float32))
    assert Xt[0, 1] == np.float32(0.50196081)


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.int64, np.float32, np.float64])
def test_pixel_scaler_accepts_any_real_or_integer_dtype(dtype):
    X = np.arange(0, 256, dtype=np.int64).reshape(4, 64).astype(dtype)
    Xt = PixelScaler().fit_transform(X)
    assert Xt.dtype == np.float32
    assert_array_equal(Xt, np.divide(np.arange(256).reshape(4, 64), 255, dtype=np.float32))


def test_pixel_scaler_flattens_images_to_784_columns():
    images = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    scaler = PixelScaler().fit(images)
    assert scaler.n_features_in_ == 784
    Xt = scaler.transform(images)
    assert Xt.shape == (2, 784)
    assert_array_equal(Xt, scaler.transform(images.reshape(2, 784)))


def test_pixel_scaler_accepts_nested_lists_of_images():
    images = [[[0, 255], [51, 102]]]
    assert_array_equal(
        PixelScaler().fit_transform(images), np.array([[0.0, 1.0, 0.2, 0.4]], np.float32)
    )


def test_pixel_scaler_never_mutates_its_input():
    X = np.array([[0.0, 127.5, 255.0]])
    before = X.copy()
    PixelScaler().fit_transform(X)
    assert_array_equal(X, before)
    assert X.dtype == np.float64


def test_pixel_scaler_rejects_values_above_255():
    with pytest.raises(
        ValueError,
        match=r"^Values above 255 in data passed to PixelScaler: pixel values must be in "
        r"\[0, 255\], got values from 0 to 256\.$",
    ):
        PixelScaler().fit(np.array([[0, 256]]))


def test_pixel_scaler_rejects_negative_values_at_transform():
    scaler = PixelScaler().fit(np.zeros((1, 2)))
    with pytest.raises(
        ValueError,
        match=r"^Negative values in data passed to PixelScaler: .* "
        r"got values from -0\.5 to 3\.0\.$",
    ):
        scaler.transform(np.array([[-0.5, 3.0]]))


@pytest.mark.parametrize(
    "bad, message",
    [
        (np.nan, "Input X contains NaN"),
        (np.inf, "Input X contains infinity"),
    ],
)
def test_pixel_scaler_rejects_nan_and_infinity(bad, message):
    with pytest.raises(ValueError, match=message):
        PixelScaler().fit(np.array([[0.0, bad]]))


def test_pixel_scaler_rejects_non_numeric_input():
    with pytest.raises(
        ValueError, match="dtype='numeric' is not compatible with arrays of bytes/strings"
    ):
        PixelScaler().fit(np.array([["0", "255"]]))


def test_pixel_scaler_checks_the_number_of_features_at_transform():
    scaler = PixelScaler().fit(np.zeros((1, 784)))
    with pytest.raises(ValueError, match="X has 10 features, but PixelScaler is expecting 784"):
        scaler.transform(np.zeros((1, 10)))


def test_pixel_scaler_feature_names_out_and_pandas_output():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"px0": [0, 255], "px1": [51, 0]})
    scaler = PixelScaler().set_output(transform="pandas").fit(frame)
    assert scaler.get_feature_names_out().tolist() == ["px0", "px1"]
    out = scaler.transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == ["px0", "px1"]
    assert out["px0"].tolist() == [0.0, 1.0]
    assert PixelScaler().fit(np.zeros((1, 3))).get_feature_names_out().tolist() == [
        "x0",
        "x1",
        "x2",
    ]
