"""Latent vectors drawn outside the training step (sample grids, `sample`, `evaluate`, scripts), from the same
distribution the run trained on: `--noise uniform` is U[-1, 1] (the thesis's DCGAN code), `normal` is N(0, 1)."""
import numpy as np

NOISES = ("uniform", "normal")  # the choices of every --noise flag


def draw_latents(rng, noise, shape):
    """float32 latent vectors of `shape` from the numpy Generator `rng`."""
    z = rng.standard_normal(shape) if noise == "normal" else rng.uniform(-1, 1, shape)
    return z.astype(np.float32)
