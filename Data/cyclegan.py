"""The CycleGAN sets (apple2orange, horse2zebra, ...): trainA is domain 1, trainB domain 2.

From tensorflow-datasets cycle_gan/<set> when prepared, else from the published trainA/ and trainB/ folders
that prepare-data checked. The images are 256x256; each domain is decoded once and kept in memory when it fits.
"""
import json
from pathlib import Path

import numpy as np

from Data.catalog import PREPARED_MARKER, list_images, local_store, prepare_hint, prepared
from Data.folder import verify_images
from Data.image_sources import EncodedSource, cache_if_fits
from Utils.atomic import write_text
from Utils.errors import DataError

SPLITS = ("trainA", "trainB")


def prepare_cyclegan(name, raw_dir, data_dir):
    """Check every image of raw_dir/trainA and raw_dir/trainB and record them; returns (count A, count B)."""
    raw = Path(raw_dir).resolve()
    files = {}
    for split in SPLITS:
        folder = raw / split
        files[split] = list_images(folder) if folder.is_dir() else []
        if not files[split]:
            raise DataError(f"{folder} is missing or holds no images; {raw} must hold trainA/ and trainB/ "
                            f"of the unzipped {name}.zip")
        verify_images(files[split])
    store = local_store(f"cycle_gan/{name}", data_dir)
    store.mkdir(parents=True, exist_ok=True)
    write_text(store / PREPARED_MARKER, json.dumps(files))
    return tuple(len(files[split]) for split in SPLITS)


def _tfds_split(name, split, data_dir):
    import tensorflow_datasets as tfds

    dataset = tfds.load(f"cycle_gan/{name}", split=split, data_dir=data_dir, download=False,
                        decoders={"image": tfds.decode.SkipDecoding()})
    return np.concatenate([batch["image"] for batch in tfds.as_numpy(dataset.batch(1024))])


def cyclegan_domains(name, data_dir, size):
    """[trainA, trainB] of CycleGAN set `name` as sources of size x size images."""
    need = f"cycle_gan/{name}"
    source = prepared(need, data_dir)
    if source == "tfds":
        encoded = [(_tfds_split(name, split, data_dir), False) for split in SPLITS]
    elif source == "local":
        files = json.loads((local_store(need, data_dir) / PREPARED_MARKER).read_text())
        gone = [split for split in SPLITS if not Path(files[split][0]).is_file()]
        if gone:
            raise DataError(f"the {name} images prepared from {Path(files[gone[0]][0]).parent} are gone; "
                            f"run prepare-data {name} again")
        encoded = [(np.array(files[split]), True) for split in SPLITS]
    else:
        raise DataError(prepare_hint(need, data_dir))
    return [cache_if_fits(EncodedSource(images, size, 1.0, from_files)) for images, from_files in encoded]
