"""Latent inversion: the z whose generated image is closest to a given image, as CoGAN's paper finds it to
translate with a pair of generators (x -> z with G_source(z) ~ x -> G_target(z)).

A pure function of callables: `generate(z) -> images` (differentiable, inference mode) and optionally
`distance(a, b) -> [N]` (e.g. LPIPS). Every image gets `starts` latent vectors optimised at once by Adam, one
batch of N x starts rows; the rows are independent (the generator runs in inference mode), so the summed loss
gives each row its own gradient. The lowest loss any row reached, at any step, is kept per image.

z stays inside the latent distribution's support: uniform z is z = tanh(w) with w optimised (never outside
(-1, 1), no clipping that would stall the gradient at the border); normal z is optimised directly.
"""
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from Utils.latents import draw_latents

BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-8  # Adam's usual constants
UNIFORM_EDGE = 1 - 1e-6  # starts on the border of [-1, 1] are moved just inside, where atanh is finite


@dataclass(frozen=True)
class InversionSettings:
    starts: int = 4  # latent vectors optimised per image; the first is the given start (the encoder's F(x))
    steps: int = 300
    lr: float = 0.1  # decayed to 0 over the steps (cosine); 0.1 fitted digits best of 0.02, 0.05, 0.1, 0.2
    lpips_weight: float = 0.0  # weight of `distance` added to the pixel MSE


@dataclass
class Inversion:
    """Per image: the best z, its reconstruction G_source(z) and how far it is from the image."""

    z: np.ndarray  # [N, latent_dim]
    reconstructions: np.ndarray  # [N, H, W, C]
    mse: np.ndarray  # [N] pixel mean squared error, images in [-1, 1]
    distance: Optional[np.ndarray]  # [N] the distance term (LPIPS) when weighted in
    loss: np.ndarray  # [N] mse + lpips_weight * distance, the minimised objective
    start: np.ndarray  # [N] index of the winning start (0 is the given start, when one was given)


def inverter(generate: Callable, latent_dim: int, noise: str, settings: InversionSettings,
             distance: Optional[Callable] = None):
    """invert(x [N, H, W, C] in [-1, 1], rng, initial=None [N, latent_dim]) -> Inversion, compiled once for
    `generate` (and retraced only for a new batch shape)."""
    import tensorflow as tf

    if settings.lpips_weight > 0 and distance is None:
        raise ValueError("lpips_weight > 0 needs a distance")
    bounded = noise == "uniform"
    to_z = tf.tanh if bounded else tf.identity

    def losses(w, x):
        """([rows] objective, [rows] mse, [rows] distance) of latent parameters w against images x."""
        images = tf.cast(generate(to_z(w)), tf.float32)
        mse = tf.reduce_mean(tf.square(images - x), axis=[1, 2, 3])
        if settings.lpips_weight > 0:
            d = tf.cast(distance(images, x), tf.float32)
            return mse + settings.lpips_weight * d, mse, d
        return mse, mse, tf.zeros_like(mse)

    @tf.function(reduce_retracing=True)
    def optimise(w, x):
        """Adam on w for settings.steps steps; the per-row best w and objective seen at any step."""
        m, v = tf.zeros_like(w), tf.zeros_like(w)
        best_w, best = w, tf.fill([tf.shape(w)[0]], np.float32(np.inf))
        for t in tf.range(1, settings.steps + 1):
            with tf.GradientTape() as tape:
                tape.watch(w)
                current = losses(w, x)[0]
                total = tf.reduce_sum(current)
            gradient = tape.gradient(total, w)
            improved = current < best
            best, best_w = tf.where(improved, current, best), tf.where(improved[:, None], w, best_w)
            m = BETA_1 * m + (1 - BETA_1) * gradient
            v = BETA_2 * v + (1 - BETA_2) * tf.square(gradient)
            step = tf.cast(t, tf.float32)
            lr = settings.lr * 0.5 * (1 + tf.cos(np.pi * (step - 1) / settings.steps))  # cosine decay to ~0
            w = w - lr * (m / (1 - BETA_1 ** step)) / (tf.sqrt(v / (1 - BETA_2 ** step)) + EPSILON)
        improved = losses(w, x)[0] < best  # the last update's result
        return tf.where(improved[:, None], w, best_w)

    def invert(x, rng, initial=None):
        x = np.asarray(x, np.float32)
        n = len(x)
        starts = [] if initial is None else [np.asarray(initial, np.float32)]
        starts += [draw_latents(rng, noise, (n, latent_dim)) for _ in range(settings.starts - len(starts))]
        z0 = np.concatenate(starts)  # start-major: row s * n + i is start s of image i
        w0 = np.arctanh(np.clip(z0, -UNIFORM_EDGE, UNIFORM_EDGE)) if bounded else z0
        rows = np.tile(x, (len(starts), 1, 1, 1))
        w = optimise(tf.constant(w0), tf.constant(rows))
        loss, mse, d = (np.asarray(a).reshape(len(starts), n) for a in losses(w, rows))
        start = np.argmin(loss, axis=0)
        pick = start * n + np.arange(n)
        z = np.asarray(to_z(w))[pick]
        return Inversion(z=z, reconstructions=np.asarray(generate(tf.constant(z)), np.float32),
                         mse=mse.T[np.arange(n), start], loss=loss.T[np.arange(n), start], start=start,
                         distance=d.T[np.arange(n), start] if settings.lpips_weight > 0 else None)

    return invert


def invert(generate, x, latent_dim, noise, settings=InversionSettings(), distance=None, initial=None, seed=0):
    """One-off inversion of images x (see `inverter`); random starts drawn from `seed`."""
    return inverter(generate, latent_dim, noise, settings, distance)(x, np.random.default_rng(seed), initial)
