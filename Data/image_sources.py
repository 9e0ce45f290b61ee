"""Domain sources: a fixed set of images addressable by index, each yielding HxWx3 float32 in [-1, 1].

Indexing (rather than a shuffle buffer) makes the data order a pure function of (seed, position), so a resumed
run reads exactly the batches an uninterrupted run would (Data.pipeline.batched_stream).

Two kinds: images held in memory (ArraySource), and encoded images decoded per index (EncodedSource), which keeps
memory flat for sets like CelebA (100,000 faces per domain). An encoded set that fits a memory budget once decoded
is decoded once, in parallel, and then served from a uint8 ArraySource (4x smaller than floats).
"""
import numpy as np
import tensorflow as tf

from Utils.errors import DataError

CACHE_BUDGET_BYTES = 1 << 30  # per domain: the CycleGAN sets fit at 256x256, CelebA at 128x128 does not


class ArraySource:
    """Images held in memory [N, H, W, 1|3], grey or RGB: uint8 in [0, 255], or floats in [0, 1]."""

    def __init__(self, images):
        images = tf.convert_to_tensor(images)
        if images.dtype.is_floating:
            images = tf.cast(images, tf.float32)
        if images.dtype not in (tf.uint8, tf.float32) or images.shape.rank != 4 or images.shape[-1] not in (1, 3):
            raise DataError(f"expected images [N, H, W, 1|3] of uint8 or floats, got {images.dtype.name} "
                            f"{images.shape}")
        self.images = images
        self.half_range = 127.5 if images.dtype == tf.uint8 else 0.5
        self.size = int(images.shape[0])
        self.image_shape = tuple(images.shape[1:3]) + (3,)

    def element(self, index):
        image = tf.cast(tf.gather(self.images, index), tf.float32) / self.half_range - 1.0
        return tf.image.grayscale_to_rgb(image) if image.shape[-1] == 1 else image


class EncodedSource:
    """Encoded images (what tf.io.decode_image reads: JPEG, PNG, BMP, GIF), from files or from bytes in memory,
    decoded to RGB, centre-cropped and resized to size x size.

    crop: side of the centred square kept, as a fraction of the shorter image side (1.0 keeps the largest centred
    square, so images are never stretched). Resizing is bilinear with antialiasing, so downscaling does not alias.
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
        """Image `index` as float32 RGB in [0, 255]."""
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
    """The EncodedSource decoded once into a uint8 ArraySource when it fits the budget, else the source itself."""
    height, width, channels = source.image_shape
    if source.size * height * width * channels > budget_bytes:
        return source
    decoded = (tf.data.Dataset.range(source.size)
               .map(lambda i: tf.cast(tf.round(source.decode(i)), tf.uint8), num_parallel_calls=tf.data.AUTOTUNE,
                    deterministic=True)
               .batch(256))
    return ArraySource(np.concatenate([batch.numpy() for batch in decoded]))
