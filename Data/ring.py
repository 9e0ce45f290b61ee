"""The 2D toy data of thesis section 2.3.2 (Fig. 2.9): 5,100 points in 10 Gaussian modes on a circle.

Its "images" are points [2]; the mlp architecture trains on them through the same loop as the image GANs,
and mode counts tell a generator that covers the ring from one that collapsed onto a few modes.
"""
import numpy as np
import tensorflow as tf

N_MODES = 10
N_POINTS = 5100
RADIUS = 3.0
STD = 0.05
NEARBY = 5 * STD  # a point belongs to a mode within 0.25 of its centre; neighbouring centres are 1.85 apart
MIN_SHARE = 0.05  # a mode counts as covered when at least 5% of the generated points are near it


def ring_centres(n_modes=N_MODES, radius=RADIUS):
    angles = 2 * np.pi * np.arange(n_modes) / n_modes
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1).astype(np.float32)


def ring_points(seed, n_points=N_POINTS, n_modes=N_MODES, std=STD):
    """n_points points, the same number around each centre, with isotropic Gaussian noise of `std`."""
    rng = np.random.default_rng(seed)
    centres = np.repeat(ring_centres(n_modes), n_points // n_modes, axis=0)
    return (centres + rng.normal(0.0, std, centres.shape)).astype(np.float32)


class PointSource:
    """Points [N, 2] in memory, addressable by index like the image sources."""

    def __init__(self, points):
        self.points = np.asarray(points, np.float32)
        self.size = len(self.points)
        self.image_shape = self.points.shape[1:]
        self._tensor = tf.constant(self.points)

    def element(self, index):
        return tf.gather(self._tensor, index)


def mode_shares(points, centres=None, nearby=NEARBY):
    """The share of `points` within `nearby` of each centre."""
    centres = ring_centres() if centres is None else centres
    distances = np.linalg.norm(np.asarray(points)[:, None, :] - centres[None], axis=-1)
    return (distances <= nearby).mean(axis=0)


def count_modes(points, centres=None, nearby=NEARBY, min_share=MIN_SHARE):
    """How many modes hold at least `min_share` of the points within `nearby` of their centre."""
    return int((mode_shares(points, centres, nearby) >= min_share).sum())


class RingSamples:
    """Writes a scatter plot of the generated points over the real ones, titled with the covered modes; called
    like Trainers.loop.write_samples, which it replaces for 2D points."""

    def __init__(self, real_points):
        self.real = np.asarray(real_points)

    def __call__(self, generators, z, path, log=None, step=None):
        from Utils.images import save_png
        from Utils.scatter import scatter_image

        fake = np.asarray(generators.images(generators.joint(z, training=False))[0])
        image = scatter_image(self.real, fake, f"step {step}: {count_modes(fake)} of {N_MODES} modes")
        save_png(image, path)
        if log is not None:
            log.image(step, "samples", image)
        return image
