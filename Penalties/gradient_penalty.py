"""WGAN-GP (Gulrajani et al. 2017): push the critic's gradient norm towards 1 between real and fake."""
import tensorflow as tf


def wasserstein_gradient_penalty(discriminator, real, fake, alpha=None, rng=None, training=True):
    """Mean over the batch of (||grad D(x_hat)||_2 - 1)^2, unweighted.

    x_hat = real + alpha * (fake - real) with one alpha per sample: `alpha` ([N] or [N, 1, 1, 1]) as given,
    else drawn from `rng` (a tf.random.Generator, whose state a checkpoint saves, so a resumed run draws the
    same alphas), else from the global tf.random stream (not reproducible across a resume). The norm runs over
    all non-batch axes and is computed in float32 whatever the compute dtype.
    """
    real = tf.cast(real, tf.float32)
    fake = tf.cast(fake, tf.float32)
    per_sample = [tf.shape(real)[0]] + [1] * (real.shape.rank - 1)
    if alpha is None:
        alpha = rng.uniform([tf.shape(real)[0]]) if rng is not None else tf.random.uniform([tf.shape(real)[0]])
    alpha = tf.reshape(tf.cast(alpha, tf.float32), per_sample)
    interpolated = real + alpha * (fake - real)
    with tf.GradientTape() as tape:
        tape.watch(interpolated)
        scores = discriminator(interpolated, training=training)
    grads = tf.cast(tape.gradient(scores, interpolated), tf.float32)
    norms = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=list(range(1, grads.shape.rank))) + 1e-12)
    return tf.reduce_mean(tf.square(norms - 1.0))
