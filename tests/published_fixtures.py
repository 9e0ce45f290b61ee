"""Tiny datasets written in exactly the published formats (SVHN .mat, CelebA folder + lists, CycleGAN folders),
and real tensorflow-datasets builds of them with the builders' downloads replaced by these local files."""
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image

from Data.catalog import CELEBA_ATTRIBUTE_NAMES

CELEBA_SHAPE = (218, 178)  # height, width of img_align_celeba
CROP_BOX = (47, 27, 124, 124)  # top, left, height, width: the centred square of 70% of 178 (Data.celeba.CROP)
WITH, WITHOUT, OUTSIDE = (230, 30, 30), (30, 30, 230), (30, 230, 30)  # face colours by attribute, and the border


def write_svhn_mat(path, labels, seed=0):
    """train_32x32.mat layout: X uint8 [32, 32, 3, N], y [N, 1] with 10 standing for the digit 0.
    Image i is filled with the value 20 * i (mod 256) so tests can tell images apart; returns X."""
    from scipy.io import savemat

    labels = np.asarray(labels)
    x = np.random.default_rng(seed).integers(0, 8, (32, 32, 3, len(labels)), dtype=np.uint8)
    x += (20 * np.arange(len(labels)) % 200).astype(np.uint8)
    savemat(path, {"X": x, "y": np.where(labels == 0, 10, labels).reshape(-1, 1).astype(np.uint8)})
    return x


def _face(colour, margin=4):
    """A 178x218 face: `colour` on the crop the loader keeps (and a margin that takes JPEG's colour bleeding at
    the edge), green elsewhere."""
    image = np.empty(CELEBA_SHAPE + (3,), np.uint8)
    image[:] = OUTSIDE
    top, left, height, width = CROP_BOX
    image[top - margin : top + height + margin, left - margin : left + width + margin] = colour
    return Image.fromarray(image)


def write_celeba(root, smiling, partition=None):
    """img_align_celeba/*.jpg, list_attr_celeba.txt and list_eval_partition.txt for len(smiling) faces.

    Faces with Smiling are red, the others blue; Eyeglasses is set on the first face only.
    """
    root = Path(root)
    (root / "img_align_celeba").mkdir(parents=True)
    partition = [i % 3 for i in range(len(smiling))] if partition is None else partition
    rows, names = [], [f"{i + 1:06d}.jpg" for i in range(len(smiling))]
    for i, (name, smiles) in enumerate(zip(names, smiling)):
        _face(WITH if smiles else WITHOUT).save(root / "img_align_celeba" / name, quality=95)
        values = ["-1"] * len(CELEBA_ATTRIBUTE_NAMES)
        values[CELEBA_ATTRIBUTE_NAMES.index("Smiling")] = "1" if smiles else "-1"
        values[CELEBA_ATTRIBUTE_NAMES.index("Eyeglasses")] = "1" if i == 0 else "-1"
        rows.append(name + " " + " ".join(f"{v:>2}" for v in values))
    (root / "list_attr_celeba.txt").write_text(
        f"{len(names)}\n{' '.join(CELEBA_ATTRIBUTE_NAMES)} \n" + "\n".join(rows) + "\n")
    (root / "list_eval_partition.txt").write_text("".join(f"{n} {p}\n" for n, p in zip(names, partition)))
    return names


def write_cyclegan(root, n_a, n_b, size=256, suffix=".jpg"):
    """trainA/ (red squares), trainB/ (blue squares) and small testA/, testB/ as in the published zips."""
    root = Path(root)
    for split, count, colour in (("trainA", n_a, WITH), ("trainB", n_b, WITHOUT), ("testA", 1, WITH),
                                 ("testB", 1, WITHOUT)):
        (root / split).mkdir(parents=True)
        for i in range(count):
            Image.new("RGB", (size, size), colour).save(root / split / f"{i}_{split}{suffix}")
    return root


def _patch_downloads(monkeypatch, local):
    """Make tfds's DownloadManager hand out local files: `local(key_or_url)` -> path."""
    import tensorflow_datasets.core.download.download_manager as dm

    def fetch(self, urls):
        return {k: local(k) for k in urls} if isinstance(urls, dict) else local(urls)

    monkeypatch.setattr(dm.DownloadManager, "download", fetch)
    monkeypatch.setattr(dm.DownloadManager, "download_and_extract", fetch)


def build_tfds(monkeypatch, name, data_dir, local):
    """Run the real tensorflow-datasets builder of `name` on local files into data_dir."""
    import tensorflow_datasets as tfds

    _patch_downloads(monkeypatch, local)
    tfds.builder(name, data_dir=str(data_dir)).download_and_prepare()


def tfds_celeba_files(root, smiling):
    """The five files tfds's celeb_a builder reads, made from a write_celeba fixture (landmarks and identities
    are zeros: this project does not read them)."""
    root = Path(root)
    names = write_celeba(root, smiling)
    with zipfile.ZipFile(root / "img_align_celeba.zip", "w") as archive:
        for name in names:
            archive.write(root / "img_align_celeba" / name, f"img_align_celeba/{name}")
    landmarks = ("lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x "
                 "rightmouth_y")
    (root / "list_landmarks_align_celeba.txt").write_text(
        f"{len(names)}\n{landmarks}\n" + "".join(f"{n} {' '.join(['0'] * 10)}\n" for n in names))
    (root / "identity_CelebA.txt").write_text("".join(f"{n} 1\n" for n in names))
    return {"img_align_celeba": root / "img_align_celeba.zip",
            "list_eval_partition": root / "list_eval_partition.txt",
            "list_attr_celeba": root / "list_attr_celeba.txt",
            "landmarks_celeba": root / "list_landmarks_align_celeba.txt",
            "identity_celeba": root / "identity_CelebA.txt"}
