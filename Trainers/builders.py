"""From a resolved configuration to the nets and couplings of the chosen model."""
from Nets.options import NetOptions


def net_options(cfg):
    from Trainers.progressive import growth

    return NetOptions(init=cfg.model.init, prelu_init=cfg.model.prelu_init, channels=3,
                      latent_dim=cfg.model.latent_dim, width=cfg.model.width, disc_norm=cfg.model.disc_norm,
                      disc_dropout=cfg.model.disc_dropout, image_size=cfg.data.image_size,
                      first_convt=cfg.model.first_convt, growth=growth(cfg))


def model_module(cfg):
    """The module of cfg's model: it builds the generators, the discriminators and the whole training setup."""
    from Trainers import cogan, cyclegan, gan, pix2pix, scogan

    return {"gan": gan, "cogan": cogan, "scogan": scogan, "cyclegan": cyclegan, "pix2pix": pix2pix}[cfg.model.kind]


def build_setup(cfg):
    return model_module(cfg).build_setup(cfg, net_options(cfg))
