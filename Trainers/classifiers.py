"""Fit the thesis's classifiers on labelled arrays, score them on a held-out set and save them for the semantic loss.

Images come in the data layer's convention ([0, 1], grey or RGB) and are fed to the nets as RGB in [-1, 1],
the generators' range, batch by batch so the training set stays one channel in memory.
"""
import json
import os
from pathlib import Path

import keras
import tensorflow as tf

from Nets.classifiers import INPUT_RANGE, build_attribute_classifier, build_digit_classifier, sidecar_path
from Utils.atomic import write_text


def to_model_input(images01):
    """[N, H, W, 1|3] in [0, 1] -> RGB in [-1, 1]."""
    images01 = tf.cast(images01, tf.float32)
    if images01.shape[-1] == 1:
        images01 = tf.image.grayscale_to_rgb(images01)
    return images01 * 2.0 - 1.0


def _batches(images01, labels, batch_size, shuffle_seed=None):
    data = tf.data.Dataset.from_tensor_slices((images01, labels))
    if shuffle_seed is not None:
        data = data.shuffle(int(images01.shape[0]), seed=shuffle_seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).map(lambda x, y: (to_model_input(x), y)).prefetch(tf.data.AUTOTUNE)


def _fit(model, loss, metric, train, test, epochs, batch_size, seed, verbose):
    model.compile(optimizer=keras.optimizers.Adam(), loss=loss, metrics=[metric])
    model.fit(_batches(*train, batch_size, shuffle_seed=seed), epochs=epochs, verbose=verbose, shuffle=False)
    _, accuracy = model.evaluate(_batches(*test, batch_size), verbose=0)
    return {"held_out_accuracy": float(accuracy), "held_out_size": int(test[0].shape[0]),
            "train_size": int(train[0].shape[0]), "epochs": epochs}


def train_digit_classifier(train, test, epochs, batch_size=128, seed=0, verbose=1):
    """Table B.1 trained with sparse categorical cross-entropy (Adam, as the thesis code).

    train, test: (images01 [N, H, W, 1|3], int labels [N]). Returns (model, {held_out_accuracy, ...}).
    """
    keras.utils.set_random_seed(seed)
    model = build_digit_classifier(int(train[0].shape[1]))
    return model, _fit(model, "sparse_categorical_crossentropy", "accuracy", train, test, epochs, batch_size, seed,
                       verbose)


def train_attribute_classifier(train, test, epochs, batch_size=16, seed=0, verbose=1):
    """Table B.2 trained with binary cross-entropy on multi-hot labels [N, attributes]; the held-out accuracy
    is the mean over images and attributes of thresholding each sigmoid at 0.5."""
    keras.utils.set_random_seed(seed)
    model = build_attribute_classifier(int(train[0].shape[1]), int(train[1].shape[-1]))
    labels = [(x, tf.cast(y, tf.float32)) for x, y in (train, test)]
    return model, _fit(model, "binary_crossentropy", keras.metrics.BinaryAccuracy(name="accuracy"), *labels, epochs,
                       batch_size, seed, verbose)


SVHN_HOLDOUT = 0.2  # SVHN's prepared training set has no test split: a seeded fifth is held out


def _svhn_split(data_dir, split, seed):
    """SVHN's training images as [N, 32, 32, 3] floats in [0, 1] and labels: a seeded hold-out ("test") or the
    rest ("train")."""
    import numpy as np

    from Data.svhn import load_svhn

    images, labels = load_svhn(data_dir)
    order = np.random.default_rng(seed).permutation(len(labels))
    held_out = int(round(len(labels) * SVHN_HOLDOUT))
    chosen = np.sort(order[:held_out] if split == "test" else order[held_out:])
    return tf.convert_to_tensor(np.asarray(images)[chosen], tf.float32) / 255.0, tf.constant(labels[chosen], tf.int64)


def digit_classifier_data(dataset, domains, split, data_dir, seed=0):
    """(images01, labels) of `split` ("train" or "test", held out) for a Table B.1 classifier: the domains of a
    digit dataset as train-classifier takes them, SVHN ("svhn", for pruning it, thesis section 2.7) or MNIST and
    SVHN mixed ("mnist+svhn", the semantic loss of thesis section 5.2, T1069), grey digits made RGB."""
    from Data.labelled import labelled_domains, select_domains

    if dataset in ("svhn", "mnist+svhn"):
        parts = [_svhn_split(data_dir, split, seed)]
        if dataset == "mnist+svhn":
            images, labels = select_domains(labelled_domains("mnist", split, data_dir, seed=seed), "1")
            parts.insert(0, (tf.image.grayscale_to_rgb(images), labels))
        return tf.concat([x for x, _ in parts], 0), tf.concat([y for _, y in parts], 0)
    return select_domains(labelled_domains(dataset, split, data_dir, seed=seed), domains)


def save_classifier(model, path, info):
    """PATH.keras (load with keras.models.load_model(path, safe_mode=True)) and PATH.json with `info`,
    the input it expects and its held-out score; each written whole or not at all."""
    path = Path(path)
    tmp = path.with_name(path.stem + ".tmp.keras")
    model.save(tmp)
    os.replace(tmp, path)
    meta = {**info, "input_shape": list(model.input_shape[1:]), "input_range": list(INPUT_RANGE)}
    write_text(sidecar_path(path), json.dumps(meta, indent=2, sort_keys=True))
    return path
