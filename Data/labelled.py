"""Digit datasets with their labels, split into training and a real held-out set, for the classifiers.

The domains are made exactly as `Data.domains` makes them for training (the same seeded halves, the same
transform of the second half); both halves keep their digit labels. The held-out set never overlaps training:
MNIST's own test split, made into domains the same way, or for the embedded digits a seeded hold-out taken
before the halves are drawn.
"""
import numpy as np
import tensorflow as tf

from Data.catalog import DATASETS
from Data.domains import halves
from Utils.errors import DataError

DIGITS_HOLDOUT = 0.2


def _domains(native01, labels, spec, seed, size):
    """[(images01, labels)] per domain: the whole set, or the two halves with domain 2 transformed (at native
    resolution, then resized, as Data.domains does)."""
    from Data.transforms import digit_pair, resized

    labels = tf.convert_to_tensor(labels, tf.int64)
    if spec.n_domains == 1:
        return [(resized(native01, size), labels)]
    first, second = halves(tf.range(int(native01.shape[0])), seed)
    images = digit_pair(tf.gather(native01, first), tf.gather(native01, second), spec.transform, size)
    return [(images[0], tf.gather(labels, first)), (images[1], tf.gather(labels, second))]


def _digits_split(split, seed):
    from Data.digits import load_digits_images

    images01, labels = load_digits_images()
    n = int(images01.shape[0])
    order = np.random.default_rng(seed).permutation(n)
    held_out = int(round(n * DIGITS_HOLDOUT))
    chosen = order[:held_out] if split == "test" else order[held_out:]
    return tf.gather(images01, chosen), labels[chosen]


def labelled_domains(name, split, data_dir=None, size=32, seed=0):
    """[(images01 [N, size, size, 1] in [0, 1], int labels [N])] per domain of digit dataset `name`.

    split: "train" or "test" (held out).
    """
    native01, labels = _native_digits(name, split, data_dir, seed)
    return _domains(native01, labels, DATASETS[name], seed, size)


def _native_digits(name, split, data_dir, seed):
    """(native-resolution [0, 1] digits, labels) of `split` of the digit dataset `name`."""
    source = DATASETS[name].source
    if source == "digits":
        return _digits_split(split, seed)
    if source == "mnist":
        from Data.mnist import load_mnist_images

        return load_mnist_images(data_dir, split)
    raise DataError(f"--dataset {name} has no labels; use a digit dataset (mnist*, digits*)")


def paired_test_digits(name, data_dir=None, size=32, seed=0):
    """The held-out digits of digit pair `name` in both domains, the same digit in each row: (x in domain 1,
    T(x) in domain 2, both [N, size, size, 1] in [0, 1], labels [N]); the exact ground truth of translation."""
    from Data.transforms import digit_pair

    spec = DATASETS[name]
    if spec.n_domains != 2 or spec.transform is None:
        raise DataError(f"--dataset {name} is not a digit pair (mnist2edge/negative/rotate, digits2*)")
    native01, labels = _native_digits(name, "test", data_dir, seed)
    first, second = digit_pair(native01, native01, spec.transform, size)
    return first, second, np.asarray(labels, np.int64)


def select_domains(domains, which):
    """Images and labels of domain "1", "2" or "both" (concatenated)."""
    chosen = domains if which == "both" else [domains[int(which) - 1]]
    return tf.concat([x for x, _ in chosen], 0), tf.concat([y for _, y in chosen], 0)
