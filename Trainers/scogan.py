"""SCoGAN: two generators that share nothing, coupled by regularisers on the generator loss.

Any combination of the couplings may be on, each with its own weight: feature and weight regularisers,
semantic loss (frozen classifier), latent cycle consistency (jointly trained encoder) and the perceptual
content and style losses (frozen VGG). Frozen nets are loaded and checked here, so a classifier of the wrong
size or missing VGG weights stop the run at start-up, before any training step.
"""
import weakref

from Nets.encoder import build_encoder
from Nets.pairs import build_discriminators, build_generators
from Penalties.couplings import content_loss, latent_cycle_loss, semantic_loss, style_loss
from Penalties.regularisers import feature_regulariser, weight_regulariser
from Trainers.setup import Coupling, TrainingSetup


class _PerceptualTerms:
    """The content and style terms over one VGG, which sees each step's generated images once for both terms:
    the fakes' features are memoised per step context (weakly, so a step's tensors die with its context)."""

    def __init__(self, perceptual):
        self.perceptual = perceptual
        self._fake_features = weakref.WeakKeyDictionary()

    def fake_features(self, ctx):
        if ctx not in self._fake_features:
            self._fake_features[ctx] = [self.perceptual(fake) for fake in ctx.fakes]
        return self._fake_features[ctx]

    def content(self, ctx):
        (_, content_1), (_, content_2) = self.fake_features(ctx)
        return content_loss(content_1, content_2)

    def style(self, ctx):
        """Summed over the domains, like the cycle term: each generator's gradient comes from its own domain."""
        return sum(style_loss(style_fake, self.perceptual(real)[0])
                   for (style_fake, _), real in zip(self.fake_features(ctx), ctx.reals))


def _perceptual_couplings(cfg):
    from Nets.perceptual import PerceptualFeatures

    terms = _PerceptualTerms(PerceptualFeatures(cfg.couplings.perceptual_backbone, cfg.couplings.perceptual_weights))
    couplings = []
    if cfg.couplings.content_weight:
        couplings.append(Coupling("content_loss", cfg.couplings.content_weight, terms.content))
    if cfg.couplings.style_weight:
        couplings.append(Coupling("style_loss", cfg.couplings.style_weight, terms.style))
    return couplings


def _feature_term(k, with_image):
    """FR over the first k feature maps, and over the images as one more map when `with_image`."""

    def term(ctx):
        maps = [list(features[:k]) for features in ctx.features]
        if with_image:
            maps = [m + [fake] for m, fake in zip(maps, ctx.fakes)]
        return feature_regulariser(*maps, len(maps[0]))

    return term


def couplings(cfg, opts):
    """The coupling terms the flags ask for, each with its own weight."""
    c = cfg.couplings
    terms = []
    if c.fr_weight:
        terms.append(Coupling("feature_reg", c.fr_weight, _feature_term(c.fr_layers, c.fr_image)))
    if c.wr_weight:
        terms.append(Coupling("weight_reg", c.wr_weight, lambda ctx: weight_regulariser(*ctx.generator_variables)))
    if c.semantic_weight:
        from Nets.classifiers import load_frozen_classifier

        classifier = load_frozen_classifier(c.classifier, (cfg.data.image_size, cfg.data.image_size, opts.channels))
        terms.append(Coupling("semantic_loss", c.semantic_weight, lambda ctx: semantic_loss(
            *[classifier(fake, training=False) for fake in ctx.fakes])))
    if c.cycle_weight:
        encoder = build_encoder(opts, cfg.data.image_size)
        terms.append(Coupling("cycle_loss", c.cycle_weight, lambda ctx: latent_cycle_loss(
            ctx.z, *[encoder(fake, training=True) for fake in ctx.fakes], norm=c.cycle_norm), encoder))
    if c.content_weight or c.style_weight:
        terms += _perceptual_couplings(cfg)
    return terms


def generators(cfg, opts):
    return build_generators(cfg.model.arch, opts, 2)


def discriminators(cfg, opts):
    return build_discriminators(cfg.model.arch, opts, cfg.data.image_size, 2)


def build_setup(cfg, opts):
    return TrainingSetup(generators(cfg, opts), discriminators(cfg, opts), couplings(cfg, opts))
