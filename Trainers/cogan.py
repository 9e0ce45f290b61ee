"""CoGAN (Liu & Tuzel 2016): the first k generator blocks and the last discriminator blocks are shared."""
from Nets.pairs import build_discriminators, build_generators
from Trainers.setup import TrainingSetup


def generators(cfg, opts):
    return build_generators(cfg.model.arch, opts, 2, shared_blocks=cfg.model.shared_layers)


def discriminators(cfg, opts):
    return build_discriminators(cfg.model.arch, opts, cfg.data.image_size, 2,
                                shared_blocks=cfg.model.shared_disc_layers)


def build_setup(cfg, opts):
    return TrainingSetup(generators(cfg, opts), discriminators(cfg, opts))
