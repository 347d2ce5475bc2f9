"""Turning one's own photos into Fashion-MNIST-like 28x28 images."""

from pathlib import Path

import numpy as np
from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

__all__ = ["ImageFileError", "load_image"]

IMAGE_SIZE = 28

# A pixel belongs to the article when it differs from the background by more than this
# (out of 255): enough to ignore JPEG noise and faint shadows on a plain backdrop.
_TRIM_TOLERANCE = 24


class ImageFileError(ValueError):
    """A file could not be read as an image."""


def load_image(path):
    """Read an image file and convert it the way Fashion-MNIST's images were made.

    The steps follow the dataset's conversion (Xiao et al., 2017): greyscale; the article
    light on a dark background (the image is inverted when its border is light, i.e. the
    mean of the border pixels is above 127); trimmed to the article; padded to a square
    with the background colour, so the aspect ratio is kept; resized to 28x28.
    Transparent pixels count as white background; the EXIF orientation of photos is
    applied.

    Parameters
    ----------
    path : str or path-like
        A PNG, JPEG or other image file Pillow reads, of any size, colour or grey.

    Returns
    -------
    image : ndarray of shape (28, 28), dtype uint8
        Pixel values 0 (background) to 255, as in Fashion-MNIST.

    Raises
    ------
    FileNotFoundError
        If there is no file at ``path``.
    ImageFileError
        A subclass of ValueError, if the file is not an image Pillow can read.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No image file at {str(path)!r}.")
    try:
        with Image.open(path) as opened:
            image = ImageOps.exif_transpose(opened)
            image.load()
    except Image.DecompressionBombError as exc:
        # Pillow refuses images of more than 2 * Image.MAX_IMAGE_PIXELS pixels.
        raise ImageFileError(f"{str(path)!r} is too large to read safely: {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        # SyntaxError and ValueError: Pillow's errors for some truncated or malformed files.
        raise ImageFileError(f"{str(path)!r} is not an image file Pillow can read: {exc}") from exc
    return _to_fashion_mnist(image)


def _to_fashion_mnist(image):
    image = _to_8_bits(image)
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba)
    grey = image.convert("L")
    if _border_mean(grey) > 127:
        grey = ImageOps.invert(grey)
    background = round(_border_mean(grey))

    difference = ImageChops.difference(grey, Image.new("L", grey.size, background))
    box = difference.point(lambda value: 255 if value > _TRIM_TOLERANCE else 0).getbbox()
    if box is not None:
        grey = grey.crop(box)

    side = max(grey.size)
    square = Image.new("L", (side, side), background)
    square.paste(grey, ((side - grey.width) // 2, (side - grey.height) // 2))
    # Box (area) averaging: no ringing halos around the edges, unlike Lanczos or bicubic.
    resized = square.resize((IMAGE_SIZE, IMAGE_SIZE), Image.Resampling.BOX)
    return np.asarray(resized, dtype=np.uint8).copy()


def _to_8_bits(image):
    """Greyscale images of more than 8 bits as mode "L"; other images unchanged.

    ``convert("L")`` clips such pixel values to 255 instead of scaling them, which turns
    a 16-bit image blank.
    """
    if image.mode.startswith("I;16"):  # 16-bit PNG, TIFF: any byte order
        pixels = np.asarray(image, dtype=np.uint16) >> 8
    elif image.mode == "I":  # 32-bit integers, whatever depth the file had
        pixels = np.clip(np.asarray(image, dtype=np.int64), 0, None)
        top = int(pixels.max(initial=0))
        if top > 65535:  # no known depth: the brightest pixel becomes 255
            pixels = pixels * 255 // top
        elif top > 255:  # 16-bit values (Pillow reads 16-bit PGM and TIFF files as "I")
            pixels = pixels >> 8
    else:
        return image
    return Image.fromarray(pixels.astype(np.uint8))


def _border_mean(grey):
    pixels = np.asarray(grey, dtype=np.float64)
    border = np.concatenate([pixels[0], pixels[-1], pixels[1:-1, 0], pixels[1:-1, -1]])
    return float(border.mean())
