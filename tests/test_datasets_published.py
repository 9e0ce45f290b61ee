"""SVHN, CelebA and the CycleGAN sets from fixtures in their published formats, through the code real data takes:
prepare-data's local files and tensorflow-datasets' own builders (their downloads replaced by the fixtures)."""
import numpy as np
import pytest

from Data.catalog import CELEBA_ATTRIBUTE_NAMES, DATASETS
from Data.domains import load_domains
from Utils.errors import DataError
from Data.pipeline import batched_stream
from Utils.commands import main
from published_fixtures import (WITH, WITHOUT, build_tfds, tfds_celeba_files, write_celeba, write_cyclegan,
                                write_svhn_mat)

SVHN_LABELS = np.array([1, 0, 2, 0, 3, 4, 5, 6, 7, 9])
SMILING = [True, False, False, True, False, True, False]


def first_batch(source, n):
    return next(iter(batched_stream(source, n, seed=0))).numpy()


def prepare(*args):
    assert main(["prepare-data", *map(str, args)]) == 0


def resolve_train(*args):
    from Utils.commands import build_parser

    parsed = build_parser().parse_args(["train", *map(str, args)])
    return parsed.resolve(parsed).config


def colour(rgb):
    return np.array(rgb) / 127.5 - 1.0


@pytest.fixture
def svhn_dir(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    x = write_svhn_mat(raw / "train_32x32.mat", SVHN_LABELS)
    prepare("svhn", "--from", raw, "--data-dir", tmp_path / "tfds")
    return tmp_path / "tfds", np.moveaxis(x, -1, 0)


def test_svhn_mat_is_read_in_file_order_with_ten_as_zero(svhn_dir):
    from Data.svhn import load_svhn

    data_dir, images = svhn_dir
    loaded, labels = load_svhn(str(data_dir))
    assert np.array_equal(loaded, images) and np.array_equal(labels, SVHN_LABELS)
    (svhn,) = load_domains("svhn", data_dir=str(data_dir))
    batch = first_batch(svhn, 4)
    assert svhn.size == 10 and batch.shape == (4, 32, 32, 3) and batch.min() >= -1 and batch.max() <= 1
    expected = images / 127.5 - 1.0
    assert all(any(np.allclose(image, e, atol=1e-6) for e in expected) for image in batch)


def test_train_classifier_trains_on_svhn_with_a_seeded_hold_out(svhn_dir, tmp_path):
    import json

    data_dir, _ = svhn_dir
    out = tmp_path / "svhn.keras"
    assert main(["train-classifier", "--dataset", "svhn", "--epochs", "1", "--batch-size", "4", "--quiet",
                 "--data-dir", str(data_dir), "--out", str(out)]) == 0
    info = json.loads(out.with_suffix(".json").read_text())
    assert (info["dataset"], info["held_out_size"], info["input_shape"]) == ("svhn", 2, [32, 32, 3])  # 20% of 10


def test_mnist2svhn_pairs_grey_mnist_with_rgb_svhn(svhn_dir, monkeypatch):
    import Data.mnist

    data_dir, _ = svhn_dir
    monkeypatch.setattr(Data.mnist, "load_mnist_images",
                        lambda data_dir, split: (np.full((6, 28, 28, 1), 0.5, np.float32), np.arange(6)))
    mnist, svhn = load_domains("mnist2svhn", data_dir=str(data_dir))
    assert (mnist.size, svhn.size) == (6, 10)
    grey = first_batch(mnist, 2)
    assert grey.shape == (2, 32, 32, 3) and np.allclose(grey, 0.0)


def confidence_classifier(path):
    """A digit classifier that is sure of class 0 on bright images and unsure (1/9 each) on dark ones."""
    import keras

    image = keras.Input((32, 32, 3))
    dense = keras.layers.Dense(10, activation="softmax")
    model = keras.Model(image, dense(keras.layers.GlobalAveragePooling2D()(image)))
    kernel = np.zeros((3, 10), np.float32)
    kernel[:, 0] = 10.0
    dense.set_weights([kernel, np.zeros(10, np.float32)])
    model.save(path)
    return lambda images: 10.0 * (images.reshape(len(images), -1, 3).mean(1) / 127.5 - 1).sum(1) > np.log(6)


def test_pruned_svhn_keeps_the_images_the_classifier_is_sure_of(svhn_dir, tmp_path, monkeypatch):
    import Data.mnist

    data_dir, images = svhn_dir
    sure = confidence_classifier(tmp_path / "digits.keras")(images)  # max softmax > 0.40
    assert 0 < sure.sum() < len(images)
    prepare("svhn_pruned", "--classifier", tmp_path / "digits.keras", "--data-dir", data_dir)
    (pruned,) = load_domains("svhn_pruned", data_dir=str(data_dir), svhn_classifier=str(tmp_path / "digits.keras"))
    assert pruned.size == sure.sum()
    assert np.array_equal(pruned.images.numpy(), images[sure])
    monkeypatch.setattr(Data.mnist, "load_mnist_images",
                        lambda data_dir, split: (np.zeros((4, 28, 28, 1), np.float32), np.arange(4)))
    _, svhn = load_domains("mnist2svhn_pruned", data_dir=str(data_dir), svhn_classifier=str(tmp_path / "digits.keras"))
    assert svhn.size == sure.sum()


def test_training_a_pruned_set_needs_its_cached_pruning(svhn_dir, tmp_path):
    from Utils.errors import ConfigError

    data_dir, _ = svhn_dir
    confidence_classifier(tmp_path / "other.keras")
    with pytest.raises(ConfigError, match="prepare-data svhn_pruned --classifier .*other.keras"):
        resolve_train("--model", "gan", "--dataset", "svhn_pruned", "--svhn-classifier", tmp_path / "other.keras",
                      "--data-dir", data_dir, "--out", tmp_path / "run")


@pytest.fixture
def celeba_dir(tmp_path):
    write_celeba(tmp_path / "raw", SMILING)
    prepare("celeba", "--from", tmp_path / "raw", "--data-dir", tmp_path / "tfds")
    return tmp_path / "tfds"


def test_celeba_attribute_pair_is_without_then_with(celeba_dir):
    without, with_ = load_domains("celeba2attribute", data_dir=str(celeba_dir), image_size=128, attribute="Smiling")
    assert (without.size, with_.size) == (SMILING.count(False), SMILING.count(True))
    for source, rgb in ((without, WITHOUT), (with_, WITH)):
        batch = first_batch(source, 3)
        assert batch.shape == (3, 128, 128, 3) and batch.min() >= -1 and batch.max() <= 1
        # the centre crop keeps only the face colour: no trace of the green border outside it
        assert np.abs(batch.mean((0, 1, 2)) - colour(rgb)).max() < 0.03
        assert batch[..., 1].max() < -0.5  # green is 30 in the face, 230 in the border


def test_celeba_at_32_and_all_faces_for_one_gan(celeba_dir):
    (faces,) = load_domains("celeba", data_dir=str(celeba_dir), image_size=32)
    assert faces.size == len(SMILING) and first_batch(faces, 2).shape == (2, 32, 32, 3)
    one, eyeglasses = load_domains("celeba2attribute", data_dir=str(celeba_dir), image_size=32, attribute="Eyeglasses")
    assert (one.size, eyeglasses.size) == (len(SMILING) - 1, 1)


def test_celeba_labels_for_the_attribute_classifier_follow_the_partition(celeba_dir):
    from Data.celeba import labelled_faces

    source, labels = labelled_faces(str(celeba_dir), ("Smiling", "Eyeglasses", "Young"), "train", size=32)
    train = [i for i in range(len(SMILING)) if i % 3 == 0]
    assert source.size == len(train) == len(labels)
    assert labels.tolist() == [[float(SMILING[i]), float(i == 0), 0.0] for i in train]


@pytest.mark.parametrize("damage,message", [
    (lambda raw: (raw / "img_align_celeba" / "000003.jpg").unlink(), "lacks 1 of the 7 images .* e.g. 000003.jpg"),
    (lambda raw: (raw / "list_eval_partition.txt").unlink(), "lacks list_eval_partition.txt"),
    (lambda raw: (raw / "list_attr_celeba.txt").write_text(
        "9\n" + "\n".join((raw / "list_attr_celeba.txt").read_text().splitlines()[1:])),
     "announces 9 images but lists 7"),
])
def test_broken_celeba_files_are_named(tmp_path, damage, message):
    from Data.celeba import prepare_celeba

    write_celeba(tmp_path / "raw", SMILING)
    damage(tmp_path / "raw")
    with pytest.raises(DataError, match=message):
        prepare_celeba(tmp_path / "raw", tmp_path / "tfds")


@pytest.mark.parametrize("size", [256, 128])
def test_cyclegan_folders_give_trainA_then_trainB(tmp_path, size):
    write_cyclegan(tmp_path / "apple2orange", 3, 2)
    prepare("apple2orange", "--from", tmp_path / "apple2orange", "--data-dir", tmp_path / "tfds")
    a, b = load_domains("apple2orange", data_dir=str(tmp_path / "tfds"), image_size=size)
    assert (a.size, b.size) == (3, 2)
    for source, rgb in ((a, WITH), (b, WITHOUT)):
        batch = first_batch(source, 2)
        assert batch.shape == (2, size, size, 3) and np.abs(batch - colour(rgb)).max() < 0.05


def test_corrupt_cyclegan_image_is_named(tmp_path):
    from Data.cyclegan import prepare_cyclegan

    write_cyclegan(tmp_path / "raw", 2, 2)
    (tmp_path / "raw" / "trainB" / "bad.jpg").write_bytes(b"not a jpeg")
    with pytest.raises(DataError, match="bad.jpg"):
        prepare_cyclegan("horse2zebra", tmp_path / "raw", tmp_path / "tfds")


@pytest.mark.parametrize("name,files,command", [
    ("svhn", "train_32x32.mat", "prepare-data svhn --from DIR"),
    ("mnist2svhn", "train-images-idx3-ubyte.gz", "prepare-data mnist --from DIR"),
    ("celeba2attribute", "list_attr_celeba.txt and list_eval_partition.txt", "prepare-data celeba --from DIR"),
    ("horse2zebra", "horse2zebra.zip", "prepare-data horse2zebra --from DIR"),
])
def test_unprepared_data_names_the_files_and_the_command(tmp_path, name, files, command):
    with pytest.raises(DataError) as error:
        load_domains(name, data_dir=str(tmp_path), image_size=DATASETS[name].sizes[0], attribute="Smiling")
    assert files in str(error.value) and f"{command} --data-dir {tmp_path}" in str(error.value)


def test_train_picks_the_architecture_from_the_image_size(celeba_dir, tmp_path):
    cfg = resolve_train("--model", "cogan", "--dataset", "celeba2attribute", "--attribute", "Smiling",
                        "--data-dir", celeba_dir, "--out", tmp_path / "run")
    assert (cfg.model.arch, cfg.data.image_size, cfg.model.disc_norm, cfg.model.shared_layers, cfg.model.shared_disc_layers) == (
        "cogan128", 128, "batch", 5, 6)
    cfg = resolve_train("--dataset", "celeba2attribute", "--attribute", "Smiling", "--image-size", "32", "--loss",
                        "wasserstein", "--penalty", "gp", "--data-dir", celeba_dir, "--out", tmp_path / "run")
    assert (cfg.model.arch, cfg.model.disc_norm) == ("cogan32", "none")
    cfg = resolve_train("--dataset", "celeba2attribute", "--attribute", "Smiling", "--loss", "wasserstein",
                        "--penalty", "gp", "--data-dir", celeba_dir, "--out", tmp_path / "run")
    assert (cfg.model.arch, cfg.model.disc_norm) == ("cogan128", "layer")


# tensorflow-datasets' own builders, run on the fixtures: the path taken when svhn_cropped, celeb_a or
# cycle_gan/<set> is prepared in --data-dir (preferred over prepare-data's files).

def test_tfds_svhn_cropped_comes_in_mat_order(tmp_path, monkeypatch):
    from Data.svhn import load_svhn

    files = {split: tmp_path / f"{split}_32x32.mat" for split in ("train", "test", "extra")}
    images = np.moveaxis(write_svhn_mat(files["train"], SVHN_LABELS), -1, 0)
    for split in ("test", "extra"):
        write_svhn_mat(files[split], [1, 2])
    build_tfds(monkeypatch, "svhn_cropped", tmp_path / "tfds", files.__getitem__)
    loaded, labels = load_svhn(str(tmp_path / "tfds"))
    assert np.array_equal(loaded, images) and np.array_equal(labels, SVHN_LABELS)


def test_tfds_celeb_a_splits_by_attribute(tmp_path, monkeypatch):
    files = tfds_celeba_files(tmp_path / "raw", SMILING)
    build_tfds(monkeypatch, "celeb_a", tmp_path / "tfds", files.__getitem__)
    without, with_ = load_domains("celeba2attribute", data_dir=str(tmp_path / "tfds"), image_size=32,
                                  attribute="Smiling")
    assert (without.size, with_.size) == (SMILING.count(False), SMILING.count(True))
    assert np.abs(first_batch(with_, 2).mean((0, 1, 2)) - colour(WITH)).max() < 0.05


def test_tfds_cycle_gan_gives_trainA_then_trainB(tmp_path, monkeypatch):
    write_cyclegan(tmp_path / "extracted" / "horse2zebra", 2, 3, size=64)
    build_tfds(monkeypatch, "cycle_gan/horse2zebra", tmp_path / "tfds", lambda url: tmp_path / "extracted")
    a, b = load_domains("horse2zebra", data_dir=str(tmp_path / "tfds"), image_size=32)
    assert (a.size, b.size) == (2, 3)
    assert np.abs(first_batch(b, 3) - colour(WITHOUT)).max() < 0.05


def test_catalog_lists_every_celeba_attribute_once():
    assert len(CELEBA_ATTRIBUTE_NAMES) == len(set(CELEBA_ATTRIBUTE_NAMES)) == 40
    assert {"Smiling", "Blond_Hair", "Eyeglasses"} <= set(CELEBA_ATTRIBUTE_NAMES)
