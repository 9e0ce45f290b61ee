"""The image-to-image translators' own terms, in float32 (Losses/casts.py) whatever the compute dtype.

CycleGAN (Zhu et al. 2017): cycle consistency and identity mapping are mean absolute pixel errors (its code's
L1Loss), and the generator's least-squares term is E[(D(G(x)) - 1)^2] (its Eq. and code, without the 1/2 of
Mao et al.'s formulation that Losses/adversarial.py's least-squares family uses; the discriminator's halved
objective is that family's). Pix2Pix (Isola et al. 2017): the L1 distance of the translation to its target.
"""
import tensorflow as tf

from Losses.casts import as_float32


def mean_absolute_error(images, targets):
    """mean |images - targets| over every pixel and channel: CycleGAN's cycle and identity terms, Pix2Pix's L1."""
    return tf.reduce_mean(tf.abs(as_float32(images) - as_float32(targets)))


def cycle_generator_loss(fake_logits):
    """E[(D(G(x)) - 1)^2] over the batch and the PatchGAN's patches: CycleGAN's generator term."""
    return tf.reduce_mean(tf.square(as_float32(fake_logits) - 1.0))
