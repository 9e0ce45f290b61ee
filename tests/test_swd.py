"""The sliced Wasserstein distance of progressive GANs (Utils/swd.py): its pyramid, its descriptors, zero for equal
sets and growing with a difference."""
import numpy as np
import pytest

from Utils.swd import (SlicedWassersteinDistance, descriptors, laplacian_pyramid, pyramid_down, pyramid_sides,
                       pyramid_up, sliced_wasserstein, swd)


def images(n=16, side=32, seed=0):
    return np.random.default_rng(seed).uniform(0, 255, (n, side, side, 3)).astype(np.float32)


def test_pyramid_levels_reconstruct_the_images_and_stop_at_16():
    assert pyramid_sides(128) == [128, 64, 32, 16] and pyramid_sides(32) == [32, 16] and pyramid_sides(8) == []
    x = images(2)
    pyramid = laplacian_pyramid(x, 2)
    assert [p.shape[1] for p in pyramid] == [32, 16]
    np.testing.assert_allclose(pyramid[0] + pyramid_up(pyramid[1]), x, atol=1e-3)
    flat = np.full((1, 16, 16, 1), 5.0)  # the filters keep a constant image constant (weights sum to 1, 4 up)
    np.testing.assert_allclose(pyramid_down(flat), 5.0)
    np.testing.assert_allclose(pyramid_up(pyramid_down(flat)), 5.0)


def test_descriptors_are_normalised_neighbourhoods():
    level = images(3, 16)
    d = descriptors(level, np.random.default_rng(0), per_image=5)
    assert d.shape == (15, 7 * 7 * 3)
    per_channel = d.reshape(-1, 7, 7, 3)
    np.testing.assert_allclose(per_channel.mean(axis=(0, 1, 2)), 0.0, atol=1e-6)
    np.testing.assert_allclose(per_channel.std(axis=(0, 1, 2)), 1.0, atol=1e-6)


def test_sliced_wasserstein_along_one_axis_is_the_sorted_difference():
    # 1D descriptors: every unit direction is +1 or -1, so the distance is mean |sort(a) - sort(b)|
    a, b = np.array([[0.0], [1.0], [5.0]]), np.array([[2.0], [1.0], [3.0]])
    assert sliced_wasserstein(a, b, np.random.default_rng(0)) == pytest.approx((1 + 1 + 2) / 3)


def test_swd_is_zero_for_equal_sets_and_grows_with_a_shift():
    x = images()
    same = swd(x, x.copy())
    assert set(same) == {"32", "16", "avg"} and all(v == 0.0 for v in same.values())
    wave = np.sin(np.arange(32) / 3.0)[None, :, None, None]
    distances = [swd(x, np.clip(x + amplitude * wave, 0, 255))["avg"] for amplitude in (5, 20, 60)]
    assert 0 < distances[0] < distances[1] < distances[2]


def test_the_accumulator_keeps_the_first_images_up_to_its_limit():
    acc = SlicedWassersteinDistance(limit=5)
    x = np.random.default_rng(1).uniform(-1, 1, (4, 16, 16, 3))
    acc.add(x, x)
    acc.add(x, x)
    assert acc.n == 5 and sum(len(g) for g in acc.generated) == 5
    assert acc.result() == {"16": 0.0, "avg": 0.0}
