"""Digit-domain transforms of the thesis, on batches of [0, 1] grey images [N, H, W, 1].

They act on the digits at their native resolution (MNIST's 28x28, the embedded digits' 8x8), and the domains are
resized afterwards, as the thesis code did: taking the edge of an already enlarged, blurred digit gives thinner,
dimmer edges (at most 0.93 instead of 1 on MNIST) and moves the real-vs-real LPIPS baseline from the thesis's
0.163 to 0.182.
"""
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


def resized(images01, size):
    """Bilinear resize to size x size, kept in [0, 1]."""
    return tf.clip_by_value(tf.image.resize(images01, (size, size), method="bilinear"), 0.0, 1.0)


def digit_pair(first, second, transform, size):
    """The two domains of a digit pair from native-resolution halves: the second half transformed, then both
    resized to `size`."""
    return resized(first, size), resized(TRANSFORMS[transform](second), size)
