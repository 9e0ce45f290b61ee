"""A single GAN: one generator, one discriminator, no coupling."""
from Nets.pairs import build_discriminators, build_generators
from Trainers.setup import TrainingSetup


def build_setup(cfg, opts):
    generators = build_generators(cfg.arch, opts, 1)
    discriminators = build_discriminators(cfg.arch, opts, cfg.image_size, 1)
    return TrainingSetup(generators, discriminators)
