"""CoGAN (Liu & Tuzel 2016): the first k generator blocks and the last discriminator blocks are shared."""
from Nets.pairs import build_discriminators, build_generators
from Trainers.setup import TrainingSetup


def build_setup(cfg, opts):
    generators = build_generators(cfg.arch, opts, 2, shared_blocks=cfg.shared_layers)
    discriminators = build_discriminators(cfg.arch, opts, cfg.image_size, 2, shared_blocks=cfg.shared_disc_layers)
    return TrainingSetup(generators, discriminators)
