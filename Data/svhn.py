"""SVHN (cropped 32x32 digits) from tensorflow-datasets or from the published train_32x32.mat, and pruned SVHN.

Both sources give the training images in the .mat file's order (tfds records carry that position in their id),
so the kept indices of pruned SVHN mean the same images whichever source is used.
"""
import json
from pathlib import Path

import numpy as np

from Data.catalog import PREPARED_MARKER, PRUNE_THRESHOLD, local_store, prepare_hint, prepared, pruned_indices_path
from Data.image_sources import ArraySource
from Utils.atomic import write_text
from Utils.errors import DataError

RAW_FILE = "train_32x32.mat"


def read_svhn_mat(path):
    """(uint8 images [N, 32, 32, 3], labels [N] in 0..9) from SVHN's format-2 .mat: X [32, 32, 3, N], y [N, 1]
    with 10 standing for the digit 0."""
    from scipy.io import loadmat

    try:
        mat = loadmat(path)
    except (ValueError, OSError) as exc:
        raise DataError(f"{path} is not a readable SVHN .mat file ({exc}); download it again") from exc
    if "X" not in mat or "y" not in mat or mat["X"].ndim != 4 or mat["X"].shape[:3] != (32, 32, 3):
        raise DataError(f"{path} is not SVHN format 2 (expects X [32, 32, 3, N] and y [N, 1]); "
                        f"download train_32x32.mat of the cropped digits")
    images = np.ascontiguousarray(np.moveaxis(mat["X"], -1, 0), dtype=np.uint8)
    labels = mat["y"].reshape(-1).astype(np.int64) % 10
    if len(labels) != len(images):
        raise DataError(f"{path} holds {len(images)} images but {len(labels)} labels")
    return images, labels


def prepare_svhn(raw_dir, data_dir):
    """Convert raw_dir/train_32x32.mat into arrays under data_dir that load in a moment; returns the image count."""
    raw = Path(raw_dir) / RAW_FILE
    if not raw.is_file():
        raise DataError(f"{raw_dir} lacks {RAW_FILE} (SVHN format 2, cropped digits); download it into that folder")
    images, labels = read_svhn_mat(raw)
    store = local_store("svhn", data_dir)
    store.mkdir(parents=True, exist_ok=True)
    np.save(store / "images.npy", images)
    np.save(store / "labels.npy", labels)
    write_text(store / PREPARED_MARKER, json.dumps({"from": str(raw.resolve()), "images": len(images)}))
    return len(images)


def _tfds_train(data_dir):
    import tensorflow_datasets as tfds

    arrays = tfds.as_numpy(tfds.load("svhn_cropped", split="train", data_dir=data_dir, download=False, batch_size=-1))
    order = np.argsort(arrays["id"])  # "train_000123": the position in train_32x32.mat
    return arrays["image"][order], arrays["label"][order]


def load_svhn(data_dir):
    """SVHN's training images (uint8 [N, 32, 32, 3]) and labels, from tfds when prepared, else from prepare-data."""
    source = prepared("svhn", data_dir)
    if source == "tfds":
        return _tfds_train(data_dir)
    if source == "local":
        store = local_store("svhn", data_dir)
        return np.load(store / "images.npy", mmap_mode="r"), np.load(store / "labels.npy")
    raise DataError(prepare_hint("svhn", data_dir))


def prune_svhn(data_dir, classifier, batch_size=1024):
    """Cache the indices of the SVHN images whose highest class probability under `classifier` exceeds 0.40.

    classifier: a .keras digit classifier taking 32x32x3 images in [-1, 1] and giving softmax probabilities.
    Returns (kept, total).
    """
    import keras

    model = keras.models.load_model(classifier, safe_mode=True)
    images, _ = load_svhn(data_dir)
    confidence = np.concatenate([
        np.max(model.predict_on_batch(images[i : i + batch_size].astype(np.float32) / 127.5 - 1.0), axis=-1)
        for i in range(0, len(images), batch_size)])
    kept = np.flatnonzero(confidence > PRUNE_THRESHOLD).astype(np.int64)
    path = pruned_indices_path(data_dir, classifier)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez(tmp, kept=kept, total=len(images), threshold=PRUNE_THRESHOLD, classifier=str(Path(classifier).resolve()))
    tmp.replace(path)
    return len(kept), len(images)


def svhn_source(data_dir, pruned_by=None):
    """SVHN's training images as a source; pruned_by: the classifier whose cached pruning to apply."""
    images, _ = load_svhn(data_dir)
    if pruned_by is None:
        return ArraySource(images)
    path = pruned_indices_path(data_dir, pruned_by)
    if not path.is_file():
        raise DataError(f"SVHN has not been pruned with {pruned_by}; run: python main.py prepare-data svhn_pruned "
                        f"--classifier {pruned_by} --data-dir {data_dir}")
    with np.load(path) as cache:
        if int(cache["total"]) != len(images):
            raise DataError(f"{path} was computed for {int(cache['total'])} SVHN images but {data_dir} holds "
                            f"{len(images)}; prune again with prepare-data svhn_pruned")
        return ArraySource(images[cache["kept"]])
