"""Adversarial losses as plain function pairs on logits, computed in float32.

Each family has `<family>_generator_loss(fake_logits)` and
`<family>_discriminator_loss(real_logits, fake_logits)`; both return a scalar mean over the batch.
"""
import tensorflow as tf

from Losses.casts import as_float32
from Losses.names import ADVERSARIAL_LOSSES


def non_saturating_generator_loss(fake_logits):
    """-log D(G(z)) (Goodfellow et al. 2014, the practical variant)."""
    return tf.reduce_mean(tf.nn.softplus(-as_float32(fake_logits)))


def non_saturating_discriminator_loss(real_logits, fake_logits):
    """-log D(x) - log(1 - D(G(z)))."""
    real, fake = as_float32(real_logits), as_float32(fake_logits)
    return tf.reduce_mean(tf.nn.softplus(-real)) + tf.reduce_mean(tf.nn.softplus(fake))


def minimax_generator_loss(fake_logits):
    """log(1 - D(G(z))), the original saturating objective."""
    return -tf.reduce_mean(tf.nn.softplus(as_float32(fake_logits)))


minimax_discriminator_loss = non_saturating_discriminator_loss


def wasserstein_generator_loss(fake_logits):
    return -tf.reduce_mean(as_float32(fake_logits))


def wasserstein_discriminator_loss(real_logits, fake_logits):
    """E[D(G(z))] - E[D(x)]: the negated Wasserstein estimate."""
    return tf.reduce_mean(as_float32(fake_logits)) - tf.reduce_mean(as_float32(real_logits))


def least_squares_generator_loss(fake_logits):
    """LSGAN (Mao et al. 2017), a-b-c = 0-1-1."""
    return 0.5 * tf.reduce_mean(tf.square(as_float32(fake_logits) - 1.0))


def least_squares_discriminator_loss(real_logits, fake_logits):
    real, fake = as_float32(real_logits), as_float32(fake_logits)
    return 0.5 * tf.reduce_mean(tf.square(real - 1.0)) + 0.5 * tf.reduce_mean(tf.square(fake))


hinge_generator_loss = wasserstein_generator_loss  # -E[D(G(z))] (Lim & Ye 2017)


def hinge_discriminator_loss(real_logits, fake_logits):
    real, fake = as_float32(real_logits), as_float32(fake_logits)
    return tf.reduce_mean(tf.nn.relu(1.0 - real)) + tf.reduce_mean(tf.nn.relu(1.0 + fake))


LOSSES = {
    "non-saturating": (non_saturating_generator_loss, non_saturating_discriminator_loss),
    "minimax": (minimax_generator_loss, minimax_discriminator_loss),
    "wasserstein": (wasserstein_generator_loss, wasserstein_discriminator_loss),
    "least-squares": (least_squares_generator_loss, least_squares_discriminator_loss),
    "hinge": (hinge_generator_loss, hinge_discriminator_loss),
}
assert tuple(LOSSES) == ADVERSARIAL_LOSSES
