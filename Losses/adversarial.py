"""Adversarial losses as plain function pairs on logits, computed in float32.

Each family has `<family>_generator_loss(fake_logits)` and
`<family>_discriminator_loss(real_logits, fake_logits)`; both return a scalar mean over the batch.
"""
import tensorflow as tf

from Losses.names import ADVERSARIAL_LOSSES


def _f32(x):
    return tf.cast(x, tf.float32)


def non_saturating_generator_loss(fake_logits):
    """-log D(G(z)) (Goodfellow et al. 2014, the practical variant)."""
    return tf.reduce_mean(tf.nn.softplus(-_f32(fake_logits)))


def non_saturating_discriminator_loss(real_logits, fake_logits):
    """-log D(x) - log(1 - D(G(z)))."""
    return tf.reduce_mean(tf.nn.softplus(-_f32(real_logits))) + tf.reduce_mean(tf.nn.softplus(_f32(fake_logits)))


def minimax_generator_loss(fake_logits):
    """log(1 - D(G(z))), the original saturating objective."""
    return -tf.reduce_mean(tf.nn.softplus(_f32(fake_logits)))


minimax_discriminator_loss = non_saturating_discriminator_loss


def wasserstein_generator_loss(fake_logits):
    return -tf.reduce_mean(_f32(fake_logits))


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """E[D(G(z))] - E[D(x)]: the negated Wasserstein estimate."""
    return tf.reduce_mean(_f32(fake_logits)) - tf.reduce_mean(_f32(real_logits))


def least_squares_generator_loss(fake_logits):
    """LSGAN (Mao et al. 2017), a-b-c = 0-1-1."""
    return 0.5 * tf.reduce_mean(tf.square(_f32(fake_logits) - 1.0))


def least_squares_discriminator_loss(real_logits, fake_logits):
    return 0.5 * tf.reduce_mean(tf.square(_f32(real_logits) - 1.0)) + 0.5 * tf.reduce_mean(tf.square(_f32(fake_logits)))


def hinge_generator_loss(fake_logits):
    return -tf.reduce_mean(_f32(fake_logits))


def hinge_discriminator_loss(real_logits, fake_logits):
    return tf.reduce_mean(tf.nn.relu(1.0 - _f32(real_logits))) + tf.reduce_mean(tf.nn.relu(1.0 + _f32(fake_logits)))


LOSSES = {
    "non-saturating": (non_saturating_generator_loss, non_saturating_discriminator_loss),
    "minimax": (minimax_generator_loss, minimax_discriminator_loss),
    "wasserstein": (wasserstein_generator_loss, wasserstein_discriminator_loss),
    "least-squares": (least_squares_generator_loss, least_squares_discriminator_loss),
    "hinge": (hinge_generator_loss, hinge_discriminator_loss),
}
assert tuple(LOSSES) == ADVERSARIAL_LOSSES
