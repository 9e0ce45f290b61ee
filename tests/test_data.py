"""Digit-domain pairs, transforms, reproducible streams, local folders and offline MNIST."""
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from Data.domains import load_domains
from Utils.errors import DataError
from Data.pipeline import batched_stream
from Data.sources import ArraySource, halves
from Data.transforms import edge, negative, rotate


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
    assert images.shape == (10000, 32, 32, 1) and np.bincount(labels).sum() == 10000
    d1, d2 = load_domains("mnist2edge", data_dir=str(tmp_path))
    assert d1.size == d2.size == 30000
