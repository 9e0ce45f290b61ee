"""The drift term of progressive GANs (Karras et al. 2018, Sec. A.1): epsilon * E[D(x)^2] on real images keeps the
Wasserstein critic's output from drifting far from zero, which the loss alone (a difference of means) allows."""
import tensorflow as tf

from Losses.casts import as_float32

PAPER_EPSILON = 0.001


def drift_term(real_logits):
    """E[D(x)^2] over the real batch, unweighted, in float32 (the trainer adds --drift x this)."""
    return tf.reduce_mean(tf.square(as_float32(real_logits)))
