"""Translating images between the two domains of a trained model, from its run directory or its export.

`translators()` returns one `Translator` per direction asked for: a callable x -> Translation and the image
shape it takes. A model with translator nets (CycleGAN both ways, Pix2Pix 1to2) translates with them directly.
A GAN pair (CoGAN, SCoGAN) has none, so it translates by latent inversion (Trainers/inversion.py): the z whose
G_source(z) is closest to x gives G_target(z), and a run with a cycle encoder starts one of its searches from
F(x). `translate` and `evaluate --translation` only call `Translator.translate`.

`describe()` reads what a source is without TensorFlow (config.json, or the export's model.json written by
Trainers/export.py), so an impossible direction is refused before anything is built.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional, Tuple

from Trainers import config
from Trainers.export import read_record
from Trainers.inversion import InversionSettings
from Utils.errors import ConfigError

DIRECTIONS = {"1to2": (0, 1), "2to1": (1, 0)}  # direction -> (source domain, target domain), 0-based
INVERTED_MODELS = ("cogan", "scogan")  # pairs of generators on one z: translated by latent inversion
TRANSLATOR_MODELS = {"cyclegan": ("1to2", "2to1"), "pix2pix": ("1to2",)}  # image -> image nets, per direction


@dataclass(frozen=True)
class SourceFacts:
    """What a run directory or an export folder holds, read without TensorFlow; None where the files do not say."""

    path: Path
    is_run: bool
    model: Optional[str]
    n_domains: int
    image_shape: Optional[Tuple[int, int, int]]
    noise: Optional[str]
    encoder: bool
    translator_directions: Tuple[str, ...] = ()  # the directions it has translator nets for (CycleGAN, Pix2Pix)

    @property
    def directions(self) -> Tuple[str, ...]:
        if self.translator_directions:
            return self.translator_directions
        inverted = self.n_domains == 2 and (self.model is None or self.model in INVERTED_MODELS)
        return tuple(DIRECTIONS) if inverted else ()


def describe(source) -> SourceFacts:
    """The facts of a run directory (config.json) or an export (generator_<i> or translator_<direction>
    SavedModels, model.json)."""
    path = Path(source)
    if (path / "config.json").is_file():
        cfg = config.load(path)
        size, kind = cfg.data.image_size, cfg.model.kind
        return SourceFacts(path, True, kind, 1 if kind == "gan" else 2, (size, size, 3), cfg.model.noise,
                           bool(cfg.couplings.cycle_weight), TRANSLATOR_MODELS.get(kind, ()))
    if (path / "saved_model.pb").is_file():
        return SourceFacts(path, False, None, 1, None, None, False)
    generators = sorted(path.glob("generator_*/saved_model.pb"))
    translator_directions = tuple(d for d in DIRECTIONS if (path / f"translator_{d}" / "saved_model.pb").is_file())
    if not generators and not translator_directions:
        raise ConfigError(f"{path} is neither a run directory (config.json) nor an export (generator_<i> or "
                          f"translator_<direction> SavedModels)")
    record = read_record(path)
    shape = record.get("image_shape")
    return SourceFacts(path, False, record.get("model"), len(generators) or 2, tuple(shape) if shape else None,
                       record.get("noise"), (path / "encoder" / "saved_model.pb").is_file(), translator_directions)


def check_latent_source(source, command, alternative=""):
    """ConfigError for a model that translates images instead of generating them from z (CycleGAN, Pix2Pix),
    which `command` (sample, evaluate) cannot draw from; `alternative` names what the command can do instead."""
    path = Path(source)
    if not (path / "config.json").is_file() and not any(path.glob("translator_*/saved_model.pb")):
        return  # generators, or no model at all: the command's own checks say which
    facts = describe(path)
    if facts.translator_directions:
        raise ConfigError(f"{command} draws images from latent vectors, and {source} holds image-to-image "
                          f"translators ({facts.model or 'an export'}: {', '.join(facts.translator_directions)}), "
                          f"which read images; translate images with `python main.py translate {source} --input "
                          f"IMAGE_OR_DIR --direction {facts.translator_directions[0]} --out DIR`{alternative}")


def check_direction(facts: SourceFacts, direction):
    """ConfigError unless the source can translate in `direction`."""
    if direction not in DIRECTIONS:
        raise ConfigError(f"--direction {direction}: choose from {', '.join(DIRECTIONS)}")
    if facts.n_domains != 2:
        raise ConfigError(f"{facts.path} holds {facts.n_domains} generator(s): translation {direction} needs a "
                          f"two-domain model, so there is no domain to translate between")
    if direction not in facts.directions:
        has = ", ".join(facts.directions) or "none"
        raise ConfigError(f"{facts.path} ({facts.model}) cannot translate {direction}: its directions are {has}")


@dataclass
class Translation:
    """Translated images [N, H, W, 3] in [-1, 1]; for a GAN pair also G_source(z*) and the inversion's record
    (Trainers.inversion.Inversion)."""

    images: object
    reconstructions: Optional[object] = None
    inversion: Optional[object] = None


@dataclass
class Translator:
    direction: str
    image_shape: Tuple[int, int, int]
    translate: Callable  # x [N, H, W, 3] in [-1, 1] -> Translation


def translators(source, directions, settings: InversionSettings = InversionSettings(), noise=None, distance=None,
                seed=0):
    """{direction: Translator} of the model at `source` (run directory or export).

    noise: the latent distribution to invert into (default: the run's or the export's record; uniform for an
    export without one). distance: the differentiable distance (LPIPS) weighted by settings.lpips_weight.
    """
    import numpy as np

    from Trainers.inversion import inverter

    facts = describe(source)
    for direction in directions:
        check_direction(facts, direction)
    if facts.translator_directions:
        return _direct(facts, directions)
    generators, encoder, latent_dim, image_shape = _open(facts)
    noise = noise or facts.noise or "uniform"
    rng = np.random.default_rng(seed)
    found = {}
    for direction in directions:
        source_domain, target_domain = DIRECTIONS[direction]
        invert = inverter(generators[source_domain], latent_dim, noise, settings, distance)
        found[direction] = Translator(direction, image_shape,
                                      _inverted(invert, generators[target_domain], encoder, rng))
    return found


def _direct(facts, directions):
    """{direction: Translator} from the model's own translator nets, in inference mode."""
    import numpy as np
    import tensorflow as tf

    from Trainers.restore import restore_run

    if facts.is_run:
        nets = restore_run(facts.path).generators.translators
        calls = {d: tf.function(lambda x, net=nets[d]: net(x, training=False), reduce_retracing=True)
                 for d in directions}
    else:  # the closures hold the loaded objects: a SavedModel's functions lose their variables with the object
        loaded = {d: tf.saved_model.load(str(facts.path / f"translator_{d}")) for d in directions}
        calls = {d: (lambda x, m=loaded[d]: m.serve(x)) for d in directions}
    found = {}
    for d in directions:
        shape = facts.image_shape or tuple(int(n) for n in loaded[d].serve.input_signature[0].shape[1:])
        found[d] = Translator(d, shape, lambda x, call=calls[d]: Translation(np.asarray(call(x), np.float32)))
    return found


def _inverted(invert, generate_target, encoder, rng):
    """x -> G_target(z*) with z* the inversion of x into the source generator, searched from F(x) too."""
    import numpy as np

    def translate(x):
        result = invert(x, rng, initial=None if encoder is None else np.asarray(encoder(x), np.float32))
        return Translation(np.asarray(generate_target(result.z), np.float32), result.reconstructions, result)

    return translate


def _open(facts):
    """([z -> images per domain], encoder x -> z or None, latent_dim, image shape) in inference mode."""
    import tensorflow as tf

    from Trainers.restore import load_exported, restore_run

    if facts.is_run:
        run = restore_run(facts.path, encoder=facts.encoder)
        nets = run.generators.single
        generators = [tf.function(lambda z, g=g: g(z, training=False)[-1], reduce_retracing=True) for g in nets]
        encoder = None if run.encoder is None else (lambda x: run.encoder(x, training=False))
        return generators, encoder, run.config.model.latent_dim, facts.image_shape
    models = load_exported(facts.path)
    if facts.encoder:
        models.append(tf.saved_model.load(str(facts.path / "encoder")))
    latent_dim = int(tf.nest.flatten(models[0].serve.input_signature)[0].shape[-1])
    image_shape = tuple(int(d) for d in models[0].serve(tf.zeros([1, latent_dim])).shape[1:])
    # The closures hold the loaded objects: a SavedModel's functions lose their variables with the object.
    serve = [lambda x, m=m: m.serve(x) for m in models]
    return serve[:2], serve[2] if facts.encoder else None, latent_dim, image_shape


def translate_all(translator, x, batch_size, progress=None):
    """translator.translate over x in batches of `batch_size` images, joined; progress(count) after each batch."""
    from dataclasses import fields

    import numpy as np

    from Trainers.inversion import Inversion

    parts = []
    for start in range(0, len(x), batch_size):
        parts.append(translator.translate(x[start:start + batch_size]))
        if progress:
            progress(len(parts[-1].images))

    def joined(values):
        return None if values[0] is None else np.concatenate(values)

    inversion = None
    if parts[0].inversion is not None:
        inversion = Inversion(**{f.name: joined([getattr(p.inversion, f.name) for p in parts])
                                 for f in fields(Inversion)})
    return Translation(joined([p.images for p in parts]), joined([p.reconstructions for p in parts]), inversion)
