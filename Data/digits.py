"""Embedded digits: scikit-learn's load_digits (1,797 real 8x8 digits inside the wheel), no download."""
import numpy as np
import tensorflow as tf


def load_digits_images(size=32):
    """All 1,797 digits as [N, size, size, 1] float32 in [0, 1], and their labels."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    images = (bunch.images.astype(np.float32) / 16.0)[..., None]
    resized = tf.image.resize(images, (size, size), method="bilinear")
    return tf.clip_by_value(resized, 0.0, 1.0), bunch.target.astype(np.int64)
