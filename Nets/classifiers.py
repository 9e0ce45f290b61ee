"""The thesis's classifiers (Tables B.1, B.2) and loading a frozen one for the semantic loss.

Inputs are RGB in [-1, 1], the generators' output range, so a classifier can judge generated images
directly. The 128-unit activation is named "features" (at inference the dropout after it is the identity),
the embedding a classifier-feature FID reads.
"""
import json
from pathlib import Path

import keras
from keras import layers

from Utils.errors import ConfigError

INPUT_RANGE = (-1.0, 1.0)
DIGIT_CLASSES = 10
# CelebA attributes present in at least 50,000 of its images (the thesis's multi-label targets).
CELEBA_ATTRIBUTES = ("Arched_Eyebrows", "Attractive", "Heavy_Makeup", "High_Cheekbones", "Male",
                     "Mouth_Slightly_Open", "No_Beard", "Oval_Face", "Pointy_Nose", "Smiling", "Wavy_Hair",
                     "Wearing_Lipstick", "Young")


def _conv_classifier(input_shape, outputs, activation, name):
    """conv 32 3x3, conv 64 3x3 (LeakyReLU 0.3), max-pool, dropout 0.25, dense 128 (LeakyReLU 0.3), dropout 0.5."""
    image = keras.Input(input_shape, name="image")
    x = layers.LeakyReLU(0.3)(layers.Conv2D(32, 3)(image))
    x = layers.LeakyReLU(0.3)(layers.Conv2D(64, 3)(x))
    x = layers.Dropout(0.25)(layers.MaxPooling2D(2)(x))
    x = layers.LeakyReLU(0.3, name="features")(layers.Dense(128)(layers.Flatten()(x)))
    x = layers.Dropout(0.5)(x)
    return keras.Model(image, layers.Dense(outputs, activation=activation, name="probabilities")(x), name=name)


def build_digit_classifier(image_size=32):
    """Table B.1: ten softmax outputs on image_size x image_size x 3 digits."""
    return _conv_classifier((image_size, image_size, 3), DIGIT_CLASSES, "softmax", "digit_classifier")


def build_attribute_classifier(image_size, n_attributes=len(CELEBA_ATTRIBUTES)):
    """Table B.2: the same trunk with one sigmoid per attribute, trained with binary cross-entropy."""
    return _conv_classifier((image_size, image_size, 3), n_attributes, "sigmoid", "attribute_classifier")


def sidecar_path(model_path):
    """PATH.json beside PATH.keras: held-out accuracy and what the classifier expects."""
    return Path(model_path).with_suffix(".json")


def load_frozen_classifier(path, image_shape):
    """The classifier at `path`, frozen, after checking it takes `image_shape` images in [-1, 1].

    Raises ConfigError naming the mismatch, so a wrong classifier stops the run before training starts.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"--classifier {path} does not exist; train one with `python main.py train-classifier`")
    try:
        model = keras.models.load_model(path, compile=False, safe_mode=True)
    except (ValueError, OSError, TypeError) as exc:
        raise ConfigError(f"--classifier {path} is not a loadable Keras model ({exc}); give a .keras file "
                          f"written by `python main.py train-classifier`") from exc
    want = tuple(image_shape)
    if len(model.inputs) != 1 or tuple(model.input_shape[1:]) != want:
        raise ConfigError(f"--classifier {path} takes inputs of shape {model.input_shape} but the generators make "
                          f"images of shape {want}; train a classifier on this dataset's image size")
    if len(model.outputs) != 1 or len(model.output_shape) != 2:
        raise ConfigError(f"--classifier {path} outputs {model.output_shape}; the semantic loss needs one vector of "
                          f"class probabilities per image")
    meta = sidecar_path(path)
    value_range = json.loads(meta.read_text()).get("input_range") if meta.is_file() else None
    if value_range is not None and tuple(value_range) != INPUT_RANGE:
        raise ConfigError(f"--classifier {path} was trained on inputs in {value_range} ({meta}) but generated "
                          f"images are in {list(INPUT_RANGE)}")
    model.trainable = False
    return model
