"""The sliced Wasserstein distance (SWD) of progressive GANs (Karras et al. 2018, Sec. 5 and App. D).

Numpy only, like Utils/evaluation.py. SWD compares the distributions of local image patches at several scales: each
image's Laplacian pyramid (the paper's code: a 5x5 binomial filter, mirror borders, levels down to 16x16), from every
level 128 random 7x7 neighbourhoods per image, each set of descriptors normalised per colour channel by its own mean
and standard deviation, then the Wasserstein distance between the two sets along random unit directions (the
difference of the sorted projections), averaged over 4 repeats of 128 directions (512 directions in all, as the
paper's code). Reported x 1e3, per pyramid level (its side) and averaged over the levels, as the paper's Table 1.
The finest level tells whether details match, the coarsest whether the large-scale structure does.
"""
from typing import Dict, List

import numpy as np

NEIGHBOURHOOD = 7
PER_IMAGE = 128
DIRECTIONS = 128  # per repeat
REPEATS = 4
SMALLEST = 16  # the coarsest pyramid level's side
SCALE = 1e3
_BINOMIAL = np.array([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def _smooth(images: np.ndarray, gain: float = 1.0) -> np.ndarray:
    """The separable 5x5 binomial filter (x gain per axis) over the height and width of [N, H, W, C] images, with
    mirrored borders (scipy's 'mirror', numpy's 'reflect'), as cv2's pyramid functions."""
    kernel = _BINOMIAL * gain
    for axis in (1, 2):
        pad = [(0, 0)] * images.ndim
        pad[axis] = (2, 2)
        padded = np.pad(images, pad, mode="reflect")
        size = images.shape[axis]
        images = sum(w * np.take(padded, np.arange(i, i + size), axis=axis) for i, w in enumerate(kernel))
    return images


def pyramid_down(images: np.ndarray) -> np.ndarray:
    return _smooth(images)[:, ::2, ::2]


def pyramid_up(images: np.ndarray) -> np.ndarray:
    """Zeros between the pixels, then the filter x 2 per axis (x 4 in all: a quarter of the pixels are set)."""
    n, h, w, c = images.shape
    up = np.zeros((n, 2 * h, 2 * w, c), images.dtype)
    up[:, ::2, ::2] = images
    return _smooth(up, gain=2.0)


def pyramid_sides(side: int) -> List[int]:
    """The sides of the levels: side, side / 2, ... down to 16 (none for images below 16x16)."""
    sides = []
    while side >= SMALLEST:
        sides.append(side)
        side //= 2
    return sides


def laplacian_pyramid(images: np.ndarray, levels: int) -> List[np.ndarray]:
    """[the band-pass levels from the finest, ..., the coarsest low-pass level] of float images [N, H, W, C]."""
    pyramid = [np.asarray(images, np.float32)]
    for _ in range(1, levels):
        pyramid.append(pyramid_down(pyramid[-1]))
        pyramid[-2] = pyramid[-2] - pyramid_up(pyramid[-1])
    return pyramid


def descriptors(level: np.ndarray, rng: np.random.Generator, per_image: int = PER_IMAGE,
                size: int = NEIGHBOURHOOD) -> np.ndarray:
    """`per_image` random size x size neighbourhoods of every image of one pyramid level, [N * per_image, size^2 x C],
    normalised per channel over the whole set (zero mean, unit standard deviation)."""
    n, h, w, c = level.shape
    ys = rng.integers(0, h - size + 1, (n, per_image))
    xs = rng.integers(0, w - size + 1, (n, per_image))
    offsets = np.arange(size)
    rows = (ys[..., None] + offsets)[..., :, None]  # [n, per_image, size, 1]
    cols = (xs[..., None] + offsets)[..., None, :]  # [n, per_image, 1, size]
    patches = level[np.arange(n)[:, None, None, None], rows, cols]  # [n, per_image, size, size, c]
    patches = patches.reshape(n * per_image, size, size, c)
    patches = (patches - patches.mean(axis=(0, 1, 2))) / (patches.std(axis=(0, 1, 2)) + 1e-12)
    return patches.reshape(n * per_image, -1)


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, rng: np.random.Generator, directions: int = DIRECTIONS,
                       repeats: int = REPEATS) -> float:
    """Mean over `repeats` x `directions` random unit directions of the mean absolute difference of the sorted
    projections of two equally large descriptor sets [M, D]: the 1D Wasserstein-1 distance along each direction."""
    if a.shape != b.shape:
        raise ValueError(f"SWD compares equally many descriptors, got {a.shape} and {b.shape}")
    results = []
    for _ in range(repeats):
        d = rng.standard_normal((a.shape[1], directions))
        d /= np.sqrt(np.sum(np.square(d), axis=0, keepdims=True))
        projected_a, projected_b = np.sort(a @ d, axis=0), np.sort(b @ d, axis=0)
        results.append(float(np.mean(np.abs(projected_a - projected_b))))
    return float(np.mean(results))


def swd(generated: np.ndarray, real: np.ndarray, seed: int = 0) -> Dict[str, float]:
    """{level side: SWD x 1e3, ..., "avg": their mean} of two equally large sets of [N, H, W, C] images (any one
    range for both: the descriptors are normalised). The same seed draws the same neighbourhoods and directions."""
    if generated.shape != real.shape:
        raise ValueError(f"SWD compares equally many images of one shape, got {generated.shape} and {real.shape}")
    sides = pyramid_sides(generated.shape[1])
    if not sides:
        raise ValueError(f"SWD's pyramid goes down to {SMALLEST}x{SMALLEST}; images of side {generated.shape[1]} "
                         f"are smaller")
    pyramids = [laplacian_pyramid(x, len(sides)) for x in (generated, real)]
    out = {}
    for i, side in enumerate(sides):
        rng = np.random.default_rng([seed, side])
        # one draw of neighbourhood positions for both sets, so that equal sets have equal descriptors
        state = rng.bit_generator.state
        a = descriptors(pyramids[0][i], rng)
        rng.bit_generator.state = state
        b = descriptors(pyramids[1][i], rng)
        out[str(side)] = SCALE * sliced_wasserstein(a, b, rng)
    out["avg"] = float(np.mean([out[str(side)] for side in sides]))
    return out


class SlicedWassersteinDistance:
    """Collects up to `limit` generated and real images of one domain, batch by batch (as uint8, as the paper's
    images, so that memory stays small), and gives their SWD at the end (`result`)."""

    def __init__(self, limit: int, seed: int = 0):
        self.limit, self.seed = limit, seed
        self.generated: List[np.ndarray] = []
        self.real: List[np.ndarray] = []
        self.n = 0

    def add(self, generated: np.ndarray, real: np.ndarray):
        """A batch of each, images in [-1, 1]; those beyond the limit are ignored."""
        take = min(len(generated), len(real), self.limit - self.n)
        if take > 0:
            self.generated.append(_to_uint8(generated[:take]))
            self.real.append(_to_uint8(real[:take]))
            self.n += take

    def result(self) -> Dict[str, float]:
        return swd(np.concatenate(self.generated).astype(np.float32), np.concatenate(self.real).astype(np.float32),
                   self.seed)


def _to_uint8(images: np.ndarray) -> np.ndarray:
    return np.clip(np.rint((np.asarray(images, np.float64) + 1.0) * 127.5), 0, 255).astype(np.uint8)
