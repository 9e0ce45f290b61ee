"""SCoGAN: two generators that share nothing, coupled by regularisers on the generator loss.

Any combination of the couplings may be on, each with its own weight: feature and weight regularisers,
semantic loss (frozen classifier), latent cycle consistency (jointly trained encoder) and the perceptual
content and style losses (frozen VGG). Frozen nets are loaded and checked here, so a classifier of the wrong
size or missing VGG weights stop the run at start-up, before any training step.
"""
from Nets.encoder import build_encoder
from Nets.pairs import build_discriminators, build_generators
from Penalties.couplings import content_loss, latent_cycle_loss, semantic_loss, style_loss
from Penalties.regularisers import feature_regulariser, weight_regulariser
from Trainers.setup import Coupling, TrainingSetup


def _fake_features(perceptual, context):
    """VGG features of this step's generated images, computed once for both perceptual terms."""
    if "perceptual_fakes" not in context:
        context["perceptual_fakes"] = [perceptual(fake) for fake in context["fakes"]]
    return context["perceptual_fakes"]


def _perceptual_couplings(cfg):
    from Nets.perceptual import PerceptualFeatures

    perceptual = PerceptualFeatures(cfg.couplings.perceptual_backbone, cfg.couplings.perceptual_weights)

    def content(trainer, ctx):
        (_, content_1), (_, content_2) = _fake_features(perceptual, ctx)
        return content_loss(content_1, content_2)

    def style(trainer, ctx):
        """Summed over the domains, like the cycle term: each generator's gradient comes from its own domain."""
        fakes = _fake_features(perceptual, ctx)
        return sum(style_loss(style_fake, perceptual(real)[0]) for (style_fake, _), real in zip(fakes, ctx["reals"]))

    terms = []
    if cfg.couplings.content_weight:
        terms.append(Coupling("content_loss", cfg.couplings.content_weight, content))
    if cfg.couplings.style_weight:
        terms.append(Coupling("style_loss", cfg.couplings.style_weight, style))
    return terms


def _feature_term(k, with_image):
    """FR over the first k feature maps, and over the images as one more map when `with_image`."""

    def term(trainer, ctx):
        maps = [f[:k] for f in trainer.setup.generators.features(ctx["outputs"])]
        if with_image:
            maps = [m + [fake] for m, fake in zip(maps, ctx["fakes"])]
        return feature_regulariser(*maps, len(maps[0]))

    return term


def couplings(cfg, opts):
    """The coupling terms the flags ask for, each with its own weight."""
    terms = []
    if cfg.couplings.fr_weight:
        terms.append(Coupling("feature_reg", cfg.couplings.fr_weight, _feature_term(cfg.couplings.fr_layers, cfg.couplings.fr_image)))
    if cfg.couplings.wr_weight:
        terms.append(Coupling("weight_reg", cfg.couplings.wr_weight,
                              lambda trainer, ctx: weight_regulariser(*trainer.paired_generator_variables)))
    if cfg.couplings.semantic_weight:
        from Nets.classifiers import load_frozen_classifier

        classifier = load_frozen_classifier(cfg.couplings.classifier, (cfg.data.image_size, cfg.data.image_size, opts.channels))
        terms.append(Coupling("semantic_loss", cfg.couplings.semantic_weight, lambda trainer, ctx: semantic_loss(
            *[classifier(fake, training=False) for fake in ctx["fakes"]])))
    if cfg.couplings.cycle_weight:
        encoder = build_encoder(opts, cfg.data.image_size)
        terms.append(Coupling("cycle_loss", cfg.couplings.cycle_weight, lambda trainer, ctx: latent_cycle_loss(
            ctx["z"], *[encoder(fake, training=True) for fake in ctx["fakes"]], norm=cfg.couplings.cycle_norm), encoder))
    if cfg.couplings.content_weight or cfg.couplings.style_weight:
        terms += _perceptual_couplings(cfg)
    return terms


def generators(cfg, opts):
    return build_generators(cfg.model.arch, opts, 2)


def discriminators(cfg, opts):
    return build_discriminators(cfg.model.arch, opts, cfg.data.image_size, 2)


def build_setup(cfg, opts):
    return TrainingSetup(generators(cfg, opts), discriminators(cfg, opts), couplings(cfg, opts))
