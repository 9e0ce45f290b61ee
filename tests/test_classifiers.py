"""The thesis's classifiers: architecture, labelled domains with a real hold-out, train-classifier end to end,
and the CelebA multi-label classifier on fixture arrays."""
import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from Data.labelled import labelled_domains, select_domains
from Nets.classifiers import CELEBA_ATTRIBUTES, build_attribute_classifier, build_digit_classifier
from Trainers.classifiers import to_model_input, train_attribute_classifier


def test_digit_classifier_follows_table_b1():
    model = build_digit_classifier()
    assert model.input_shape == (None, 32, 32, 3) and model.output_shape == (None, 10)
    kinds = [type(layer).__name__ for layer in model.layers[1:]]
    assert kinds == ["Conv2D", "LeakyReLU", "Conv2D", "LeakyReLU", "MaxPooling2D", "Dropout", "Flatten", "Dense",
                     "LeakyReLU", "Dropout", "Dense"]
    assert [layer.negative_slope for layer in model.layers if isinstance(layer, keras.layers.LeakyReLU)] == [0.3] * 3
    assert model.get_layer("features").output.shape == (None, 128)
    assert model.layers[-1].activation is keras.activations.softmax


def test_attribute_classifier_has_one_sigmoid_per_celeba_attribute():
    model = build_attribute_classifier(64)
    assert len(CELEBA_ATTRIBUTES) == 13 and model.output_shape == (None, 13)
    assert model.layers[-1].activation is keras.activations.sigmoid


def test_digit_pairs_keep_labels_in_both_halves_and_hold_out_unseen_images():
    train = labelled_domains("digits2edge", "train")
    test = labelled_domains("digits2edge", "test")
    sizes = [int(x.shape[0]) for x, _ in train + test]
    assert sum(sizes) == 1797 - 1  # 1,438 training and 359 held-out images, each halved (the odd one out dropped)
    seen = {x.numpy().tobytes() for x in labelled_domains("digits", "train")[0][0]}
    assert not any(x.numpy().tobytes() in seen for x in labelled_domains("digits", "test")[0][0])
    (x1, y1), (x2, y2) = train
    assert set(np.unique(y1)) == set(np.unique(y2)) == set(range(10))
    x, y = select_domains(train, "both")
    assert x.shape[0] == y.shape[0] == x1.shape[0] + x2.shape[0]


def test_mnist_is_held_out_by_its_test_split_transformed_the_same_way(monkeypatch):
    import Data.mnist

    asked = []

    def fake_mnist(data_dir, split):
        asked.append(split)
        return tf.fill((4, 28, 28, 1), 0.5), np.arange(4)

    monkeypatch.setattr(Data.mnist, "load_mnist_images", fake_mnist)
    (x1, _), (x2, _) = labelled_domains("mnist2negative", "test", data_dir="unused")
    assert asked == ["test"]
    np.testing.assert_allclose(x2.numpy(), 1.0 - x1.numpy())


def test_model_input_is_rgb_in_minus_one_to_one():
    x = to_model_input(np.array([0.0, 1.0], np.float32).reshape(1, 1, 2, 1))
    np.testing.assert_array_equal(x.numpy(), [[[[-1, -1, -1], [1, 1, 1]]]])


def test_train_classifier_on_digits_beats_chance_and_reloads_safely(tmp_path, capsys):
    from Utils.commands import main

    out = tmp_path / "digits.keras"
    assert main(["train-classifier", "--dataset", "digits", "--out", str(out), "--epochs", "4", "--quiet"]) == 0
    info = json.loads(out.with_suffix(".json").read_text())
    assert info["held_out_accuracy"] > 0.7 and info["held_out_size"] == 359  # chance: 0.1
    assert info["input_range"] == [-1.0, 1.0] and f"{info['held_out_accuracy']:.4f}" in capsys.readouterr().out
    model = keras.models.load_model(out, safe_mode=True)
    x, y = select_domains(labelled_domains("digits", "test"), "1")
    accuracy = np.mean(np.argmax(model.predict(to_model_input(x), verbose=0), -1) == y.numpy())
    assert accuracy == pytest.approx(info["held_out_accuracy"], abs=1e-6)


@pytest.mark.parametrize("args,message", [
    (["--dataset", "digits", "--domains", "both"], "has one domain"),
    (["--dataset", "digits2edge", "--out", "model.h5"], "--out must end in .keras"),
    (["--dataset", "mnist", "--data-dir", "/nonexistent"], "prepare-data mnist"),
    (["--dataset", "folder"], "invalid choice"),
    (["--dataset", "svhn", "--data-dir", "/nonexistent"], "prepare-data svhn"),
    (["--dataset", "mnist+svhn", "--data-dir", "/nonexistent"], "prepare-data mnist"),
    (["--dataset", "mnist+svhn", "--domains", "2"], "has one domain"),
])
def test_train_classifier_rejects_bad_flags_before_training(args, message, capsys, tmp_path):
    from Utils.commands import main

    argv = ["train-classifier", "--out", str(tmp_path / "c.keras"), *args]
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_attribute_classifier_learns_fixture_attributes():
    """Attribute k is 'block k of a 4x4 grid is lit', a multi-label task a conv net learns at once."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, (320, 13)).astype(np.int64)
    blocks = np.concatenate([labels, np.zeros((320, 3), np.int64)], 1).reshape(320, 4, 4)
    images = np.kron(blocks, np.ones((1, 4, 4)))[..., None].astype(np.float32)  # [N, 16, 16, 1] in {0, 1}
    model, info = train_attribute_classifier((images[:256], labels[:256]), (images[256:], labels[256:]), epochs=8,
                                             verbose=0)
    assert model.output_shape == (None, 13)
    assert info["held_out_accuracy"] > 0.85 and info["held_out_size"] == 64
