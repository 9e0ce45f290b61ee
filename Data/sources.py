"""Domain sources: a fixed set of images addressable by index, yielding HxWx3 float32 in [-1, 1].

Indexing (rather than a shuffle buffer) makes the data order a pure function of
(seed, position), so a resumed run reads exactly the batches an uninterrupted run would.
"""
import tensorflow as tf

from Utils.errors import DataError


class ArraySource:
    """Images held in memory: grey or RGB, values in [0, 1]."""

    def __init__(self, images01):
        images01 = tf.convert_to_tensor(images01, tf.float32)
        if images01.shape.rank != 4 or images01.shape[-1] not in (1, 3):
            raise DataError(f"expected images [N, H, W, 1|3], got shape {images01.shape}")
        self.images = images01
        self.size = int(images01.shape[0])
        self.image_shape = tuple(images01.shape[1:3]) + (3,)

    def element(self, index):
        image = tf.gather(self.images, index)
        if image.shape[-1] == 1:
            image = tf.image.grayscale_to_rgb(image)
        return image * 2.0 - 1.0


class FileSource:
    """Image files decoded on the fly, resized to `size` and forced to RGB."""

    def __init__(self, paths, size):
        if not paths:
            raise DataError("no image files given")
        self.paths = tf.constant(paths)
        self.size = len(paths)
        self.image_shape = (size, size, 3)

    def element(self, index):
        data = tf.io.read_file(tf.gather(self.paths, index))
        image = tf.io.decode_image(data, channels=3, expand_animations=False)
        image = tf.image.resize(tf.cast(image, tf.float32) / 255.0, self.image_shape[:2], antialias=True)
        return tf.clip_by_value(image, 0.0, 1.0) * 2.0 - 1.0


def halves(images01, seed):
    """The thesis's split: two disjoint halves of a seeded permutation (domain 1, domain 2)."""
    n = int(images01.shape[0])
    order = tf.random.experimental.stateless_shuffle(tf.range(n), seed=[seed, 0])
    return tf.gather(images01, order[: n // 2]), tf.gather(images01, order[n // 2 : 2 * (n // 2)])
