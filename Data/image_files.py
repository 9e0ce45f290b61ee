"""Image files read as they are (no crop, no resize), for a command that must refuse an image that does not fit a
model instead of reshaping it (`translate`). Listing is plain Python, so a bad --input is refused before
TensorFlow starts."""
from pathlib import Path

from Data.catalog import IMAGE_EXTENSIONS, list_images
from Utils.errors import ConfigError


def image_paths(path):
    """The image file `path`, or the image files directly inside the folder `path`, sorted."""
    path = Path(path)
    if path.is_dir():
        paths = list_images(str(path))
        if not paths:
            raise ConfigError(f"{path} holds no images ({', '.join(IMAGE_EXTENSIONS)})")
        return paths
    if not path.is_file():
        raise ConfigError(f"{path} does not exist; give an image file or a folder of images")
    if path.suffix.lower() not in IMAGE_EXTENSIONS:
        raise ConfigError(f"{path} is not an image file ({', '.join(IMAGE_EXTENSIONS)})")
    return [str(path)]


def read_images(paths, image_shape):
    """[N, H, W, 3] float32 in [-1, 1] from image files of exactly `image_shape` (H, W, 3).

    The one conversion made is the unambiguous one the datasets make too: a grey image becomes RGB by repeating
    its channel. Any other size or channel count (RGBA, grey with alpha) is refused naming the expected shape:
    cropping, resizing or dropping an alpha channel would each change what is translated.
    """
    import numpy as np
    import tensorflow as tf

    from Data.folder import verify_images

    verify_images(paths)
    height, width, _ = image_shape
    images = []
    for path in paths:
        image = tf.io.decode_image(tf.io.read_file(path), channels=0, expand_animations=False)
        if tuple(image.shape[:2]) != (height, width) or image.shape[-1] not in (1, 3):
            raise ConfigError(f"{path} is {tuple(image.shape)} (height, width, channels); the model takes "
                              f"{tuple(image_shape)} images (grey ones are made RGB); resize or convert it first")
        image = tf.image.convert_image_dtype(image, tf.float32)  # [0, 1] for 8- and 16-bit files alike
        images.append(tf.image.grayscale_to_rgb(image) if image.shape[-1] == 1 else image)
    return np.stack([np.asarray(image) for image in images]) * 2.0 - 1.0
