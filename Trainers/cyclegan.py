"""CycleGAN (Zhu et al. 2017): two ResNet translators G: 1->2 and F: 2->1, a 70x70 PatchGAN per domain.

What it contributes to the one training step: the translators as the generator set (Nets/translators.py: domain
1's generated images are F(real_2), domain 2's are G(real_1)), the least-squares adversarial terms of its paper,
two couplings, cycle consistency lambda (|F(G(x1)) - x1| + |G(F(x2)) - x2|) and identity mapping
(|G(x2) - x2| + |F(x1) - x1|, the paper's 0.5 lambda), and a history buffer of earlier fakes per discriminator.
The domains' streams are independent: CycleGAN never sees pairs.
"""
from Losses.adversarial import least_squares_discriminator_loss
from Losses.translation import cycle_generator_loss, mean_absolute_error
from Nets.patchgan import patchgan_discriminator
from Nets.resnet_generator import default_residual_blocks, resnet_generator
from Nets.translators import cycle_translators
from Trainers.setup import Coupling, TrainingSetup


def residual_blocks(cfg):
    return cfg.model.residual_blocks or default_residual_blocks(cfg.data.image_size)


def generators(cfg, opts):
    size, blocks = cfg.data.image_size, residual_blocks(cfg)
    return cycle_translators(resnet_generator(opts, size, blocks, "translator_1to2"),
                             resnet_generator(opts, size, blocks, "translator_2to1"))


def discriminators(cfg, opts):
    return [patchgan_discriminator(opts, cfg.data.image_size, opts.channels, "instance", f"discriminator_{i + 1}")
            for i in range(2)]


def cycle_term(translators):
    """Both cycles: each real image translated there and back, against itself."""
    to_2, to_1 = translators["1to2"], translators["2to1"]

    def term(ctx):
        translated_1, translated_2 = ctx.fakes  # F(real_2) in domain 1, G(real_1) in domain 2
        real_1, real_2 = ctx.reals
        return (mean_absolute_error(to_1(translated_2, training=True), real_1)
                + mean_absolute_error(to_2(translated_1, training=True), real_2))

    return term


def identity_term(translators):
    """Each translator fed its own target domain's real images should leave them unchanged."""
    to_2, to_1 = translators["1to2"], translators["2to1"]

    def term(ctx):
        real_1, real_2 = ctx.reals
        return (mean_absolute_error(to_2(real_2, training=True), real_2)
                + mean_absolute_error(to_1(real_1, training=True), real_1))

    return term


def couplings(cfg, translators):
    o, terms = cfg.objective, []
    if o.image_cycle_weight:
        terms.append(Coupling("image_cycle_loss", o.image_cycle_weight, cycle_term(translators)))
    if o.identity_weight:
        terms.append(Coupling("identity_loss", o.identity_weight, identity_term(translators)))
    return terms


def build_setup(cfg, opts):
    translators = generators(cfg, opts)
    losses = ((cycle_generator_loss, least_squares_discriminator_loss) if cfg.objective.loss == "least-squares"
              else None)
    return TrainingSetup(translators, discriminators(cfg, opts), couplings(cfg, translators.translators),
                         history_size=cfg.objective.history_size, adversarial_losses=losses)
