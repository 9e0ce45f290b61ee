"""Embedded digits: scikit-learn's load_digits (1,797 real 8x8 digits inside the wheel), no download."""
import numpy as np
import tensorflow as tf


def load_digits_images():
    """All 1,797 digits as [N, 8, 8, 1] float32 in [0, 1] (native resolution: transforms act there), and their
    labels."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return tf.constant((bunch.images.astype(np.float32) / 16.0)[..., None]), bunch.target.astype(np.int64)
