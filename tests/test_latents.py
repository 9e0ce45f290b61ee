"""Latent vectors drawn outside the training step follow the run's --noise."""
import numpy as np

from Utils.latents import draw_latents


def test_uniform_and_normal_latents_have_their_distributions():
    uniform = draw_latents(np.random.default_rng(0), "uniform", (20000, 4))
    normal = draw_latents(np.random.default_rng(0), "normal", (20000, 4))
    assert uniform.dtype == normal.dtype == np.float32 and uniform.shape == (20000, 4)
    assert uniform.min() >= -1 and uniform.max() <= 1 and abs(uniform.std() - 1 / np.sqrt(3)) < 0.01
    assert abs(normal.mean()) < 0.02 and abs(normal.std() - 1) < 0.01 and np.abs(normal).max() > 3


def test_latents_repeat_for_a_seed():
    first, again = (draw_latents(np.random.default_rng(5), "normal", (3, 2)) for _ in range(2))
    np.testing.assert_array_equal(first, again)
