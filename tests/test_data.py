"""Digit-domain pairs, transforms, reproducible streams, local folders and offline MNIST."""
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from Data.domains import halves, load_domains
from Data.image_sources import ArraySource, EncodedSource, cache_if_fits
from Data.pipeline import batched_stream
from Data.transforms import edge, negative, rotate
from Utils.errors import DataError


def test_edge_is_dilation_minus_original():
    x = np.zeros((1, 5, 5, 1), np.float32)
    x[0, 2, 2, 0] = 1.0
    e = edge(tf.constant(x)).numpy()[0, ..., 0]
    expected = np.zeros((5, 5), np.float32)
    expected[1:4, 1:4] = 1.0
    expected[2, 2] = 0.0
    np.testing.assert_array_equal(e, expected)


def test_negative_and_rotate():
    x = np.arange(4, dtype=np.float32).reshape(1, 2, 2, 1) / 4
    np.testing.assert_allclose(negative(x), 1 - x)
    np.testing.assert_array_equal(rotate(tf.constant(x)).numpy()[0, ..., 0], np.rot90(x[0, ..., 0]))


def test_the_edge_is_taken_on_the_native_digit_before_the_resize():
    """The thesis code's order: edge of the 28x28 digit (a full-strength 1.0 outline of a 0/1 stroke), then the
    bilinear resize to 32x32, rather than the edge of an already enlarged, blurred digit."""
    from Data.transforms import digit_pair, resized

    digits = np.zeros((2, 28, 28, 1), np.float32)
    digits[0, 6:22, 12:16] = 1.0  # a "1"
    digits[1, 6:22, 8:20] = 1.0
    digits[1, 10:18, 12:16] = 0.0  # an "0"
    first, second = digit_pair(digits[:1], digits[1:], "edge", 32)
    np.testing.assert_allclose(first.numpy(), resized(digits[:1], 32).numpy())
    np.testing.assert_allclose(second.numpy(), resized(edge(tf.constant(digits[1:])), 32).numpy(), atol=1e-6)
    assert float(tf.reduce_max(edge(tf.constant(digits[1:])))) == 1.0
    blurred_first = edge(resized(digits[1:], 32))
    assert float(tf.reduce_max(second)) > float(tf.reduce_max(blurred_first)) + 0.05  # the order matters


def test_halves_are_disjoint():
    images = tf.reshape(tf.range(10, dtype=tf.float32), [10, 1, 1, 1])
    a, b = halves(images, seed=3)
    ids_a, ids_b = set(a.numpy().ravel()), set(b.numpy().ravel())
    assert len(ids_a) == len(ids_b) == 5 and not ids_a & ids_b


@pytest.mark.parametrize("name", ["digits2edge", "digits2negative", "digits2rotate"])
def test_digit_pairs_are_32x32_rgb_in_range(name):
    d1, d2 = load_domains(name, seed=0)
    assert d1.size == d2.size == 898
    for source in (d1, d2):
        x = source.element(tf.constant(5)).numpy()
        assert x.shape == (32, 32, 3) and x.min() >= -1.0 and x.max() <= 1.0
        np.testing.assert_array_equal(x[..., 0], x[..., 2])  # grey replicated to 3 channels


def test_single_domain_digits():
    (source,) = load_domains("digits")
    assert source.size == 1797


def test_stream_is_seeded_and_resumes_exactly():
    source = ArraySource(np.random.default_rng(0).uniform(size=(20, 4, 4, 1)).astype(np.float32))
    full = [b.numpy() for b in batched_stream(source, 3, seed=7).take(12)]
    again = [b.numpy() for b in batched_stream(source, 3, seed=7).take(12)]
    resumed = [b.numpy() for b in batched_stream(source, 3, seed=7, start_batch=9).take(3)]
    other = next(iter(batched_stream(source, 3, seed=8))).numpy()
    np.testing.assert_array_equal(np.stack(full), np.stack(again))
    np.testing.assert_array_equal(np.stack(full[9:]), np.stack(resumed))
    assert not np.array_equal(full[0], other)
    assert all(b.shape == (3, 4, 4, 3) for b in full)


def test_every_epoch_visits_every_image_once():
    source = ArraySource(np.arange(10, dtype=np.float32).reshape(10, 1, 1, 1) / 10)
    seen = np.concatenate([b.numpy()[:, 0, 0, 0] for b in batched_stream(source, 5, seed=1).take(2)])
    assert sorted(np.round((seen + 1) / 2 * 10).astype(int)) == list(range(10))


def test_array_source_serves_uint8_and_float_images_as_rgb_in_minus_one_to_one():
    grey = ArraySource(np.array([0.0, 0.25, 1.0], np.float32).reshape(3, 1, 1, 1))
    rgb = ArraySource(np.array([[0, 51, 255]], np.uint8).reshape(1, 1, 1, 3))
    assert grey.image_shape == rgb.image_shape == (1, 1, 3) and (grey.size, rgb.size) == (3, 1)
    np.testing.assert_array_equal(grey.element(1).numpy(), [[[-0.5, -0.5, -0.5]]])
    np.testing.assert_allclose(rgb.element(0).numpy(), [[[-1.0, -0.6, 1.0]]], atol=1e-6)
    with pytest.raises(DataError, match="int32"):
        ArraySource(np.zeros((1, 2, 2, 3), np.int32))
    with pytest.raises(DataError, match=r"\(2, 2, 3\)"):
        ArraySource(np.zeros((2, 2, 3), np.uint8))


def write_images(folder, n, size=(40, 30), mode="RGB"):
    folder.mkdir()
    for i in range(n):
        Image.fromarray(np.full((size[1], size[0], 3 if mode == "RGB" else 1), i * 20, np.uint8).squeeze()).save(
            folder / f"{i}.png")


def test_folder_domains_are_resized_rgb(tmp_path):
    write_images(tmp_path / "a", 3)
    write_images(tmp_path / "b", 2, mode="L")
    a, b = load_domains("folder", folders=[str(tmp_path / "a"), str(tmp_path / "b")], image_size=32)
    assert (a.size, b.size) == (3, 2)
    x = next(iter(batched_stream(b, 2, seed=0))).numpy()
    assert x.shape == (2, 32, 32, 3) and x.min() >= -1 and x.max() <= 1


def test_encoded_images_keep_the_centred_square_instead_of_stretching(tmp_path):
    """A 40x20 image: red 10-column margins either side of a 20x20 blue centre."""
    pixels = np.zeros((20, 40, 3), np.uint8)
    pixels[:, :10, 0] = pixels[:, 30:, 0] = 255
    pixels[:, 10:30, 2] = 255
    Image.fromarray(pixels).save(tmp_path / "wide.png")
    source = EncodedSource([str(tmp_path / "wide.png")], 8)
    np.testing.assert_allclose(source.element(0).numpy(), np.broadcast_to([-1.0, -1.0, 1.0], (8, 8, 3)), atol=1e-5)
    half = EncodedSource([str(tmp_path / "wide.png")], 8, crop=0.5)
    np.testing.assert_allclose(half.element(0).numpy(), source.element(0).numpy(), atol=1e-5)


def test_encoded_images_are_decoded_once_when_they_fit_the_budget(tmp_path):
    write_images(tmp_path / "a", 3)  # 40x30 images of the grey values 0, 20 and 40
    source = EncodedSource([str(tmp_path / "a" / f"{i}.png") for i in range(3)], 4)
    cached = cache_if_fits(source, budget_bytes=3 * 4 * 4 * 3)
    assert isinstance(cached, ArraySource) and cached.images.dtype == tf.uint8
    np.testing.assert_array_equal(cached.images.numpy()[:, 0, 0, 0], [0, 20, 40])
    np.testing.assert_allclose(cached.element(2).numpy(), source.element(2).numpy(), atol=1e-6)
    assert cache_if_fits(source, budget_bytes=3 * 4 * 4 * 3 - 1) is source


def test_corrupt_image_names_the_file(tmp_path):
    write_images(tmp_path / "a", 2)
    (tmp_path / "a" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match="broken.png"):
        load_domains("folder", folders=[str(tmp_path / "a")])


def test_unprepared_mnist_fails_at_once_with_the_fix(tmp_path):
    with pytest.raises(DataError, match="prepare-data mnist"):
        load_domains("mnist2edge", data_dir=str(tmp_path))


def test_prepare_mnist_offline_from_raw_files(shared_dir, tmp_path):
    from Data.mnist import load_mnist_images, prepare_mnist

    assert prepare_mnist(shared_dir / "data" / "mnist", str(tmp_path)) == (60000, 10000)
    images, labels = load_mnist_images(str(tmp_path), "test")
    assert images.shape == (10000, 28, 28, 1) and np.bincount(labels).sum() == 10000
    d1, d2 = load_domains("mnist2edge", data_dir=str(tmp_path))
    assert d1.size == d2.size == 30000
