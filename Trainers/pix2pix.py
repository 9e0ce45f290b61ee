"""Pix2Pix (Isola et al. 2017): a U-Net translator G: 1 -> 2 trained on aligned pairs (x, y), judged by a PatchGAN
that sees the input beside its output.

What it contributes to the one training step: the translator as the generator set (Nets/translators.py: domain
2's generated images are G(real_1)); one discriminator, conditional, so what it judges is the channel-wise
concatenation (x, y) for a real pair and (x, G(x)) for a generated one (`judged`); and the L1 distance of G(x) to
its target y, weighted by --l1-weight (the paper: 100), as a coupling. The adversarial loss is --loss (the
paper's non-saturating one by default). The pairs come from --paired data, whose two streams share one order.
"""
import keras
import tensorflow as tf

from Losses.translation import mean_absolute_error
from Nets.patchgan import patchgan_discriminator
from Nets.translators import TranslatorSet
from Nets.unet import unet_generator
from Trainers.setup import Coupling, TrainingSetup


def generators(cfg, opts):
    to_2 = unet_generator(opts, cfg.data.image_size, "translator_1to2")
    real_1 = keras.Input(to_2.inputs[0].shape[1:], name="real_1")
    return TranslatorSet(keras.Model(real_1, [to_2(real_1)], name="translators"), {"1to2": to_2})


def discriminators(cfg, opts):
    return [patchgan_discriminator(opts, cfg.data.image_size, 2 * opts.channels, "batch", "discriminator_1")]


def judged(reals, fakes):
    """(real pairs, generated pairs) of the one conditional discriminator: the input beside the target, and the
    input beside its translation, concatenated over the channels."""
    source, target = reals
    (translated,) = fakes
    pair = lambda x, y: tf.concat([x, tf.cast(y, x.dtype)], axis=-1)  # noqa: E731
    return [pair(source, target)], [pair(source, translated)]


def l1_term(ctx):
    """mean |G(x) - y| over the pairs: the supervised term unpaired translators cannot have."""
    return mean_absolute_error(ctx.fakes[0], ctx.reals[1])


def build_setup(cfg, opts):
    couplings = [Coupling("l1_loss", cfg.objective.l1_weight, l1_term)] if cfg.objective.l1_weight else []
    return TrainingSetup(generators(cfg, opts), discriminators(cfg, opts), couplings, judged=judged)
