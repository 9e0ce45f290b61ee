"""Each adversarial loss against values computed by hand."""
import math

import numpy as np
import pytest
import tensorflow as tf

from Losses import adversarial as L
from Losses.names import ADVERSARIAL_LOSSES

REAL = tf.constant([[2.0], [-1.0]])
FAKE = tf.constant([[0.5], [-3.0]])


def softplus(x):
    return math.log1p(math.exp(x))


def test_non_saturating():
    assert float(L.non_saturating_generator_loss(FAKE)) == pytest.approx((softplus(-0.5) + softplus(3.0)) / 2, rel=1e-6)
    expected = (softplus(-2.0) + softplus(1.0)) / 2 + (softplus(0.5) + softplus(-3.0)) / 2
    assert float(L.non_saturating_discriminator_loss(REAL, FAKE)) == pytest.approx(expected, rel=1e-6)


def test_minimax_generator_is_log_one_minus_d():
    d = 1 / (1 + np.exp(-FAKE.numpy()))
    assert float(L.minimax_generator_loss(FAKE)) == pytest.approx(np.mean(np.log(1 - d)), rel=1e-6)


def test_wasserstein():
    assert float(L.wasserstein_generator_loss(FAKE)) == pytest.approx(1.25)
    assert float(L.wasserstein_discriminator_loss(REAL, FAKE)) == pytest.approx(-1.25 - 0.5)


def test_least_squares():
    assert float(L.least_squares_generator_loss(FAKE)) == pytest.approx(0.5 * ((0.5 - 1) ** 2 + (-3 - 1) ** 2) / 2)
    expected = 0.5 * ((2 - 1) ** 2 + (-1 - 1) ** 2) / 2 + 0.5 * (0.25 + 9) / 2
    assert float(L.least_squares_discriminator_loss(REAL, FAKE)) == pytest.approx(expected)


def test_hinge():
    assert float(L.hinge_generator_loss(FAKE)) == pytest.approx(1.25)
    # relu(1 - [2, -1]) = [0, 2]; relu(1 + [0.5, -3]) = [1.5, 0]
    assert float(L.hinge_discriminator_loss(REAL, FAKE)) == pytest.approx(1.0 + 0.75)


def test_every_cli_name_has_a_function_pair():
    assert tuple(L.LOSSES) == ADVERSARIAL_LOSSES


def test_bfloat16_logits_give_float32_losses():
    for gen, disc in L.LOSSES.values():
        assert gen(tf.cast(FAKE, tf.bfloat16)).dtype == tf.float32
        assert disc(tf.cast(REAL, tf.bfloat16), tf.cast(FAKE, tf.bfloat16)).dtype == tf.float32
