"""WGAN-GP (Gulrajani et al. 2017): push the critic's gradient norm towards 1 between real and fake."""
import tensorflow as tf

from Losses.casts import as_float32
from Penalties.per_sample import squared_norms


def wasserstein_gradient_penalty(discriminator, real, fake, alpha):
    """Mean over the batch of (||grad D(x_hat)||_2 - 1)^2, unweighted.

    x_hat = real + alpha * (fake - real) with one alpha per sample, `alpha` [N] or [N, 1, 1, 1] uniform in [0, 1].
    The caller draws it (the trainer from the tf.random.Generator its checkpoint saves, so a resumed run draws the
    same alphas). The norm runs over all non-batch axes and is computed in float32 whatever the compute dtype.
    """
    real, fake = as_float32(real), as_float32(fake)
    alpha = tf.reshape(as_float32(alpha), [tf.shape(real)[0]] + [1] * (real.shape.rank - 1))
    interpolated = real + alpha * (fake - real)
    with tf.GradientTape() as tape:
        tape.watch(interpolated)
        scores = discriminator(interpolated, training=True)
    norms = tf.sqrt(squared_norms(tape.gradient(scores, interpolated)) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))
