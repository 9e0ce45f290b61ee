"""Penalty and coupling choices the CLI validates against, kept free of TensorFlow imports."""

# none; the WGAN-GP gradient penalty; it plus CT-GAN's consistency term (Wei et al. 2018); WGAN weight clipping
PENALTIES = ("none", "gp", "gp+ct", "clip")
GRADIENT_PENALTIES = ("gp", "gp+ct")  # the penalties with the gradient penalty, whose rules they share

CYCLE_NORMS = ("l1", "l2")
PERCEPTUAL_BACKBONES = ("vgg16-torchvision", "vgg19-keras")
