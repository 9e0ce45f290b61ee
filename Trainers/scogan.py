"""SCoGAN: two generators that share nothing, coupled by regularisers on the generator loss."""
from Nets.pairs import build_discriminators, build_generators
from Penalties.regularisers import feature_regulariser, weight_regulariser
from Trainers.setup import Coupling, TrainingSetup


def couplings(cfg):
    """The coupling terms the flags ask for, each with its own weight."""
    terms = []
    if cfg.fr_weight:
        k = cfg.fr_layers
        terms.append(Coupling("feature_reg", cfg.fr_weight,
                              lambda trainer, ctx: feature_regulariser(*trainer.setup.generators.features(ctx["outputs"]), k)))
    if cfg.wr_weight:
        terms.append(Coupling("weight_reg", cfg.wr_weight,
                              lambda trainer, ctx: weight_regulariser(*trainer.paired_generator_variables)))
    return terms


def build_setup(cfg, opts):
    generators = build_generators(cfg.arch, opts, 2, shared_blocks=0)
    discriminators = build_discriminators(cfg.arch, opts, cfg.image_size, 2, shared_blocks=0)
    return TrainingSetup(generators, discriminators, couplings(cfg))
