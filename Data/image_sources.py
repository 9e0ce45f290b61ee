"""Index-addressable sources for the photo datasets: uint8 arrays in memory, and encoded images decoded on the fly.

Decoding per index keeps memory flat for sets like CelebA (100,000 faces per domain); sets that fit a memory
budget once decoded are decoded once, in parallel, and then served from a uint8 array (4x smaller than floats).
"""
import numpy as np
import tensorflow as tf

from Utils.errors import DataError

CACHE_BUDGET_BYTES = 1 << 30  # per domain: the CycleGAN sets fit at 256x256, CelebA at 128x128 does not


class Uint8Source:
    """RGB images [N, H, W, 3] uint8 held in memory, served as float32 in [-1, 1]."""

    def __init__(self, images):
        images = np.asarray(images)
        if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
            raise DataError(f"expected uint8 images [N, H, W, 3], got {images.dtype} {images.shape}")
        self.images = tf.constant(images)
        self.size = int(images.shape[0])
        self.image_shape = tuple(images.shape[1:])

    def element(self, index):
        return tf.cast(tf.gather(self.images, index), tf.float32) / 127.5 - 1.0


class EncodedSource:
    """JPEG/PNG images, from files or from encoded bytes in memory, decoded to RGB, centre-cropped and resized.

    crop: side of the centred square kept, as a fraction of the shorter image side (1.0 keeps the whole square
    centre). Resizing is bilinear with antialiasing, so downscaling does not alias.
    """

    def __init__(self, encoded, size, crop=1.0, from_files=True):
        if len(encoded) == 0:
            raise DataError("no images given")
        self.encoded = tf.constant(encoded)
        self.from_files = from_files
        self.crop = crop
        self.size = len(encoded)
        self.image_shape = (size, size, 3)

    def decode(self, index):
        data = tf.gather(self.encoded, index)
        if self.from_files:
            data = tf.io.read_file(data)
        image = tf.io.decode_image(data, channels=3, expand_animations=False)
        shape = tf.shape(image)
        side = tf.cast(tf.cast(tf.minimum(shape[0], shape[1]), tf.float32) * self.crop, tf.int32)
        image = tf.image.crop_to_bounding_box(image, (shape[0] - side) // 2, (shape[1] - side) // 2, side, side)
        image = tf.image.resize(tf.cast(image, tf.float32), self.image_shape[:2], antialias=True)
        return tf.clip_by_value(image, 0.0, 255.0)

    def element(self, index):
        return self.decode(index) / 127.5 - 1.0


def cache_if_fits(source, budget_bytes=CACHE_BUDGET_BYTES):
    """The source decoded once into a Uint8Source when it fits the budget, else the source itself."""
    height, width, channels = source.image_shape
    if source.size * height * width * channels > budget_bytes:
        return source
    decoded = (tf.data.Dataset.range(source.size)
               .map(lambda i: tf.cast(tf.round(source.decode(i)), tf.uint8), num_parallel_calls=tf.data.AUTOTUNE,
                    deterministic=True)
               .batch(256))
    return Uint8Source(np.concatenate([batch.numpy() for batch in decoded]))
