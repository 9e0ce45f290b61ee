"""CelebA faces and their 40 binary attributes, from tensorflow-datasets or the published files.

A domain pair splits every face (all 202,599 in the full set, as thesis Table 2.2) by one attribute: domain 1
without it, domain 2 with it. Faces are centre-cropped (the centred square of 70% of the shorter side, the
thesis's crop without its stretch) and resized, decoded on the fly in parallel.
"""
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from Data.catalog import CELEBA_ATTRIBUTE_NAMES, PREPARED_MARKER, local_store, prepare_hint, prepared
from Data.image_sources import EncodedSource, cache_if_fits
from Utils.atomic import write_text
from Utils.errors import DataError

IMAGES_DIR = "img_align_celeba"
ATTRIBUTES_FILE = "list_attr_celeba.txt"
PARTITION_FILE = "list_eval_partition.txt"
PARTITIONS = ("train", "validation", "test")  # the 0, 1, 2 of list_eval_partition.txt
CROP = 0.7


@dataclass
class FaceTable:
    """Every face: encoded image (a path, or JPEG bytes from tfds), attribute values and eval partition."""

    encoded: np.ndarray
    from_files: bool
    values: np.ndarray  # bool [N, 40], columns in CELEBA_ATTRIBUTE_NAMES order
    partition: np.ndarray  # int8 [N], index into PARTITIONS

    def column(self, attribute):
        return self.values[:, CELEBA_ATTRIBUTE_NAMES.index(attribute)]

    def source(self, mask, size):
        return cache_if_fits(EncodedSource(self.encoded[mask], size, CROP, self.from_files))


def read_attribute_file(path):
    """(file names [N], bool values [N, 40]) from list_attr_celeba.txt: a count line, a header of 40 attribute
    names, then one row per image of its file name and 40 values of 1 or -1."""
    lines = [line.split() for line in Path(path).read_text().splitlines() if line.strip()]
    if len(lines) < 2 or len(lines[0]) != 1 or not lines[0][0].isdigit():
        raise DataError(f"{path} does not start with the image count line of list_attr_celeba.txt")
    if tuple(lines[1]) != tuple(CELEBA_ATTRIBUTE_NAMES):
        raise DataError(f"{path}: the header is not CelebA's 40 attribute names")
    rows = lines[2:]
    if len(rows) != int(lines[0][0]):
        raise DataError(f"{path} announces {lines[0][0]} images but lists {len(rows)}; download it again")
    bad = next((row for row in rows if len(row) != 41 or not set(row[1:]) <= {"1", "-1"}), None)
    if bad is not None:
        raise DataError(f"{path}: row {' '.join(bad)!r} is not a file name and 40 values of 1 or -1")
    table = np.array(rows)
    return table[:, 0], table[:, 1:] == "1"


def read_partition_file(path, files):
    """The partition (0 train, 1 validation, 2 test) of each file, from list_eval_partition.txt."""
    partition = dict(line.split() for line in Path(path).read_text().splitlines() if line.strip())
    missing = [f for f in files if f not in partition]
    if missing:
        raise DataError(f"{path} lacks {len(missing)} of the images in {ATTRIBUTES_FILE}, e.g. {missing[0]}")
    return np.array([int(partition[f]) for f in files], np.int8)


def prepare_celeba(raw_dir, data_dir):
    """Check the published files against each other and cache the attribute table; returns the face count.

    The images stay where they are; the cache records their folder.
    """
    raw = Path(raw_dir).resolve()
    missing = [name for name in (IMAGES_DIR, ATTRIBUTES_FILE, PARTITION_FILE) if not (raw / name).exists()]
    if missing:
        raise DataError(f"{raw} lacks {', '.join(missing)}; it must hold {IMAGES_DIR}/ (the unzipped "
                        f"img_align_celeba.zip), {ATTRIBUTES_FILE} and {PARTITION_FILE}")
    files, values = read_attribute_file(raw / ATTRIBUTES_FILE)
    partition = read_partition_file(raw / PARTITION_FILE, files)
    present = {p.name for p in (raw / IMAGES_DIR).iterdir()}
    absent = [f for f in files if f not in present]
    if absent:
        raise DataError(f"{raw / IMAGES_DIR} lacks {len(absent)} of the {len(files)} images {ATTRIBUTES_FILE} "
                        f"lists, e.g. {absent[0]}; unzip img_align_celeba.zip completely")
    store = local_store("celeba", data_dir)
    store.mkdir(parents=True, exist_ok=True)
    np.savez(store / "table.npz", files=files, values=values, partition=partition)
    write_text(store / PREPARED_MARKER, json.dumps({"images": str(raw / IMAGES_DIR), "faces": len(files)}))
    return len(files)


def _tfds_table(data_dir):
    """Every split of tfds celeb_a with the JPEG bytes left encoded (about 2 GB in memory for the full set)."""
    import tensorflow_datasets as tfds

    encoded, values, partition = [], [], []
    for index, split in enumerate(PARTITIONS):
        dataset = tfds.load("celeb_a", split=split, data_dir=data_dir, download=False,
                            decoders={"image": tfds.decode.SkipDecoding()})
        for batch in tfds.as_numpy(dataset.batch(4096)):
            encoded.append(batch["image"])
            values.append(np.stack([batch["attributes"][name] for name in CELEBA_ATTRIBUTE_NAMES], axis=1))
            partition.append(np.full(len(batch["image"]), index, np.int8))
    return FaceTable(np.concatenate(encoded), False, np.concatenate(values).astype(bool), np.concatenate(partition))


def load_faces(data_dir):
    """The FaceTable of CelebA: tfds celeb_a when prepared, else the files prepare-data checked."""
    source = prepared("celeba", data_dir)
    if source == "tfds":
        return _tfds_table(data_dir)
    if source != "local":
        raise DataError(prepare_hint("celeba", data_dir))
    store = local_store("celeba", data_dir)
    images = Path(json.loads((store / PREPARED_MARKER).read_text())["images"])
    if not images.is_dir():
        raise DataError(f"the CelebA images prepared from {images} are gone; run prepare-data celeba again")
    with np.load(store / "table.npz") as table:
        paths = np.array([str(images / name) for name in table["files"]])
        return FaceTable(paths, True, table["values"], table["partition"])


def celeba_domains(data_dir, size, attribute=None):
    """[all faces], or [faces without `attribute`, faces with it], as sources of size x size images."""
    table = load_faces(data_dir)
    if attribute is None:
        return [table.source(np.ones(len(table.encoded), bool), size)]
    has = table.column(attribute)
    for mask, which in ((~has, "without"), (has, "with")):
        if not mask.any():
            raise DataError(f"no CelebA face {which} {attribute}: the pair needs faces on both sides")
    return [table.source(~has, size), table.source(has, size)]


def labelled_faces(data_dir, attributes, split, size=128):
    """(source of the faces in CelebA's `split` partition, their 0/1 labels [N, len(attributes)]) for the
    multi-label attribute classifier; attributes: names from list_attr_celeba.txt."""
    table = load_faces(data_dir)
    mask = table.partition == PARTITIONS.index(split)
    labels = np.stack([table.column(name)[mask] for name in attributes], axis=1).astype(np.float32)
    return table.source(mask, size), labels
