"""Digit-domain transforms of the thesis, on batches of [0, 1] grey images [N, H, W, 1]."""
import tensorflow as tf


def edge(images):
    """Edges as the thesis defines them: a 3x3 grey dilation minus the original."""
    dilated = tf.nn.max_pool2d(images, ksize=3, strides=1, padding="SAME")
    return dilated - images


def negative(images):
    return 1.0 - images


def rotate(images):
    """Rotate by 90 degrees counter-clockwise."""
    return tf.image.rot90(images, k=1)


TRANSFORMS = {"edge": edge, "negative": negative, "rotate": rotate}
