"""Gradient penalty, clipping and the generator couplings against known values."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from Penalties.clipping import clip_weights
from Penalties.gradient_penalty import wasserstein_gradient_penalty
from Penalties.regularisers import feature_regulariser, mean_abs_weight_difference, weight_decay, weight_regulariser

SHAPE = (4, 3, 3, 2)


def linear_critic(norm):
    """D(x) = <w, x> with ||w|| = norm: its gradient norm is `norm` everywhere."""
    w = np.random.default_rng(0).standard_normal(SHAPE[1:]).astype(np.float32)
    w = tf.constant(w / np.linalg.norm(w) * norm)
    return lambda x, training=True: tf.reduce_sum(x * w, axis=[1, 2, 3])[:, None]


def test_gradient_penalty_is_zero_for_a_1_lipschitz_critic():
    real, fake, alpha = tf.random.normal(SHAPE), tf.random.normal(SHAPE), tf.random.uniform(SHAPE[:1])
    assert float(wasserstein_gradient_penalty(linear_critic(1.0), real, fake, alpha)) == pytest.approx(0.0, abs=1e-6)


def test_gradient_penalty_grows_with_the_slope():
    real, fake, alpha = tf.random.normal(SHAPE), tf.random.normal(SHAPE), tf.random.uniform(SHAPE[:1])
    assert float(wasserstein_gradient_penalty(linear_critic(3.0), real, fake, alpha)) == pytest.approx(4.0, rel=1e-5)


def test_gradient_penalty_interpolates_per_sample():
    """D(x) = 0.5 * ||x||^2 has gradient x, so the norm at x_hat is per-sample and known."""
    real = tf.zeros(SHAPE)
    fake = tf.ones(SHAPE)
    alpha = tf.constant([0.0, 0.25, 0.5, 1.0])[:, None, None, None]
    critic = lambda x, training=True: 0.5 * tf.reduce_sum(tf.square(x), axis=[1, 2, 3])  # noqa: E731
    norms = np.array([0.0, 0.25, 0.5, 1.0]) * np.sqrt(np.prod(SHAPE[1:]))
    expected = np.mean((norms - 1.0) ** 2)
    assert float(wasserstein_gradient_penalty(critic, real, fake, alpha=alpha)) == pytest.approx(expected, rel=1e-5)


def test_clipping_bounds_every_variable():
    v = tf.Variable([-1.0, 0.005, 2.0])
    clip_weights([v, v], 0.01)
    np.testing.assert_allclose(v.numpy(), [-0.01, 0.005, 0.01])


def test_feature_regulariser_hand_computed_and_zero_for_identical():
    f1 = [tf.fill([2, 2], 1.0), tf.fill([2, 3], 0.0), tf.fill([2, 1], 5.0)]
    f2 = [tf.fill([2, 2], 3.0), tf.fill([2, 3], 1.0), tf.fill([2, 1], 0.0)]
    assert float(feature_regulariser(f1, f2, 2)) == pytest.approx((4.0 + 1.0) / 2)
    assert float(feature_regulariser(f1, f1, 3)) == 0.0


def test_weight_regulariser_and_difference():
    a = [tf.Variable([1.0, 2.0]), tf.Variable([[0.0]])]
    b = [tf.Variable([3.0, 2.0]), tf.Variable([[1.0]])]
    assert float(weight_regulariser(a, b)) == pytest.approx(2.0 + 1.0)
    assert float(mean_abs_weight_difference(a, b)) == pytest.approx(3.0 / 3)


def test_weight_decay_counts_kernels_only():
    layer = keras.layers.Dense(2, kernel_initializer="ones", bias_initializer="ones")
    layer.build((None, 3))
    assert float(weight_decay(layer.trainable_variables)) == pytest.approx(6.0)
