"""Generator-pair couplings and weight decay, as unweighted scalars (weights are applied by the trainer)."""
import tensorflow as tf

from Losses.casts import as_float32


def feature_regulariser(features_1, features_2, k):
    """SCoGAN FR: mean over the first k feature maps of the mean squared difference G1^k(z) - G2^k(z)."""
    terms = [
        tf.reduce_mean(tf.square(as_float32(a) - as_float32(b)))
        for a, b in zip(features_1[:k], features_2[:k])
    ]
    return tf.add_n(terms) / float(k)


def weight_regulariser(variables_1, variables_2):
    """Sum over corresponding variables of the mean squared difference of generator weights."""
    return tf.add_n([tf.reduce_mean(tf.square(a - b)) for a, b in zip(variables_1, variables_2)])


def mean_abs_weight_difference(variables_1, variables_2):
    """Mean |w1 - w2| over all corresponding weights (thesis Fig. 4.1); 0 for shared ones."""
    total = tf.add_n([tf.reduce_sum(tf.abs(a - b)) for a, b in zip(variables_1, variables_2)])
    count = sum(int(tf.size(a)) for a in variables_1)
    return total / float(count)


def weight_decay(variables):
    """Sum of squared kernel weights (biases, norms and PReLU slopes excluded): the L2 term."""
    kernels = [v for v in variables if v.path.endswith("kernel")]
    if not kernels:
        return tf.constant(0.0)
    return tf.add_n([tf.reduce_sum(tf.square(as_float32(v))) for v in kernels])
