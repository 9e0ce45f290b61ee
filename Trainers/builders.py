"""From a resolved configuration to the nets and couplings of the chosen model."""
from Nets.options import NetOptions


def net_options(cfg):
    return NetOptions(init=cfg.init, prelu_init=cfg.prelu_init, channels=3, latent_dim=cfg.latent_dim,
                      width=cfg.width, disc_norm=cfg.disc_norm)


def build_setup(cfg):
    from Trainers import cogan, gan, scogan

    models = {"gan": gan, "cogan": cogan, "scogan": scogan}
    return models[cfg.model].build_setup(cfg, net_options(cfg))
