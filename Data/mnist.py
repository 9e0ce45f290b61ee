"""MNIST through tensorflow-datasets, never downloading: prepared offline by `prepare-data`."""
from pathlib import Path

import tensorflow as tf

from Data.catalog import prepare_hint, tfds_prepared
from Utils.errors import DataError

RAW_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def load_mnist_images(data_dir, split="train"):
    """MNIST `split` as [N, 28, 28, 1] float32 in [0, 1] (native resolution: transforms act there), and its
    labels."""
    import tensorflow_datasets as tfds

    if not tfds_prepared("mnist", data_dir):
        raise DataError(prepare_hint("mnist", data_dir))
    arrays = tfds.as_numpy(tfds.load("mnist", split=split, data_dir=data_dir, download=False, batch_size=-1))
    return tf.cast(arrays["image"], tf.float32) / 255.0, arrays["label"]


def prepare_mnist(raw_dir, data_dir):
    """Build the tfds 'mnist' dataset from the four original *-ubyte.gz files, offline.

    tfds copies (rather than downloads) from a non-http URL, so the builder is pointed at
    raw_dir. The registered checksums are for the original gzip bytes, which re-compressed
    copies do not match, so manual_dir cannot be used.
    """
    import tensorflow_datasets as tfds

    raw = Path(raw_dir).resolve()
    missing = [name for name in RAW_FILES if not (raw / name).is_file()]
    if missing:
        raise DataError(f"{raw} lacks the MNIST files {', '.join(missing)}; it must hold all of: {', '.join(RAW_FILES)}")
    builder = tfds.builder("mnist", data_dir=data_dir)
    builder.URL = str(raw) + "/"
    builder.download_and_prepare()
    return builder.info.splits["train"].num_examples, builder.info.splits["test"].num_examples
