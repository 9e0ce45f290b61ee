"""The 2D toy data of thesis section 2.3.2 (Fig. 2.9): 5,100 points in 10 Gaussian modes on a circle.

Its "images" are points [2]; the mlp architecture trains on them through the same loop as the image GANs,
and mode counts tell a generator that covers the ring from one that collapsed onto a few modes.

The issue gives the 5,100 points in 10 modes; the radius (3) and the standard deviation (0.05) are this
implementation's choice. Mode counting follows the convention of the ring/grid toys of Metz et al. 2017
(unrolled GANs) and Srivastava et al. 2017 (VEEGAN): a generated point belongs to a mode when it lies within 3
standard deviations of its centre. Because the modes are isotropic 2D Gaussians, the distance of a real point from
its centre is Rayleigh distributed and 1 - exp(-3**2 / 2) = 98.9% of the real points lie that close; so a
generator that reproduces a mode exactly puts 98.9% of that mode's points there, and points scattered more widely
than the data are not counted. A mode is covered when it holds at least 5% of the generated points (the issue's
threshold; a perfect generator gives each mode 10% x 98.9%). `high_quality_share` (the share of generated points
within 3 standard deviations of any centre, "high-quality samples" in those papers) tells a generator whose
points are only spread around the modes, not yet on them, from one that covers them.
"""
from pathlib import Path

import numpy as np
import tensorflow as tf

N_MODES = 10
N_POINTS = 5100
RADIUS = 3.0
STD = 0.05
N_STD = 3  # a point belongs to a mode within 3 standard deviations of its centre (98.9% of a mode's real points)
NEARBY = N_STD * STD  # 0.15; neighbouring centres are 2 * RADIUS * sin(pi / N_MODES) = 1.85 apart
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


def high_quality_share(points, centres=None, nearby=NEARBY):
    """The share of `points` within `nearby` of any centre (the modes are far apart, so no point counts twice)."""
    return float(mode_shares(points, centres, nearby).sum())


def ring_summary(points):
    """The title of a scatter plot: covered modes and the share of points on a mode."""
    return f"{count_modes(points)}/{N_MODES} modes, {100 * high_quality_share(points):.0f}% of points on a mode"


class RingSamples:
    """Writes a scatter plot of the generated points over the real ones, titled with the covered modes, and
    appends the step's mode count and on-mode share to modes.csv beside it (how coverage evolves: a collapsing
    generator drops modes, a spread one gathers its points onto them); called like Trainers.hooks.write_samples,
    which it replaces for 2D points in the run's SampleGrids hook."""

    def __init__(self, real_points):
        self.real = np.asarray(real_points)

    def __call__(self, generators, z, path, log=None, step=None):
        from Utils.images import save_png
        from Utils.scatter import scatter_image

        fake = np.asarray(generators.images(generators.joint(z, training=False))[0], dtype=np.float32)
        image = scatter_image(self.real, fake, f"step {step}: {ring_summary(fake)}")
        save_png(image, path)
        table = Path(path).parent / "modes.csv"
        if step is not None:
            rows = table.read_text().splitlines()[1:] if table.is_file() else []
            rows = [row for row in rows if int(row.split(",")[0]) < step]  # a resumed run rewrites later steps
            rows.append(f"{step},{count_modes(fake)},{high_quality_share(fake):.4f},"
                        + ",".join(f"{share:.4f}" for share in mode_shares(fake)))
            header = "step,modes,on_mode_share," + ",".join(f"mode_{i}" for i in range(N_MODES))
            table.write_text("\n".join([header, *rows]) + "\n")
        if log is not None:
            log.image(step, "samples", image)
        return image
