"""A single GAN: one generator, one discriminator, no coupling."""
from Nets.pairs import build_discriminators, build_generators
from Trainers.setup import TrainingSetup


def generators(cfg, opts):
    return build_generators(cfg.model.arch, opts, 1)


def discriminators(cfg, opts):
    return build_discriminators(cfg.model.arch, opts, cfg.data.image_size, 1)


def build_setup(cfg, opts):
    return TrainingSetup(generators(cfg, opts), discriminators(cfg, opts))
