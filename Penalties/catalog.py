"""Coupling choices the CLI validates against, kept free of TensorFlow imports."""

CYCLE_NORMS = ("l1", "l2")
PERCEPTUAL_BACKBONES = ("vgg16-torchvision", "vgg19-keras")
