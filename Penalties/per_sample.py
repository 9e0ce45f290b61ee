"""Per-sample reductions the critic penalties share: one value per batch row, over all of a sample's axes."""
import tensorflow as tf

from Losses.casts import as_float32


def squared_norms(x):
    """[N]: each row's squared L2 norm over all its non-batch axes, in float32."""
    x = as_float32(x)
    return tf.reduce_sum(tf.square(x), axis=list(range(1, x.shape.rank)))


def mean_squares(x):
    """[N]: each row's mean square over all its non-batch axes (the squared norm per unit), in float32."""
    x = as_float32(x)
    return tf.reduce_mean(tf.square(x), axis=list(range(1, x.shape.rank)))
