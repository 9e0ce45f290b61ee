"""A trained run's nets, rebuilt from its config.json and read from its latest checkpoint: only the nets asked for.

Sampling, evaluating and exporting need the generators, not the training setup: no optimizer is built and no
frozen net a coupling reads (classifier, VGG) is loaded, so a run still opens after those files have moved.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from Trainers import config
from Utils.errors import ConfigError, DataError


@dataclass
class RestoredRun:
    config: config.RunConfig
    generators: object  # Nets.pairs.GeneratorSet
    discriminators: Optional[list]
    encoder: Optional[object]  # keras.Model, image -> z, of a run with latent cycle consistency
    checkpoint: str


def restore_run(run_dir, discriminators=False, encoder=False) -> RestoredRun:
    """The generators (and, when asked, discriminators and the cycle encoder) of the run at `run_dir`."""
    import tensorflow as tf

    from Nets.encoder import build_encoder
    from Trainers.builders import model_module, net_options
    from Trainers.checkpoints import restore_matched

    run_dir = Path(run_dir)
    cfg = config.load(run_dir)
    latest = tf.train.latest_checkpoint(str(run_dir / "checkpoints"))
    if latest is None:
        raise DataError(f"{run_dir / 'checkpoints'} holds no checkpoint yet; train longer or resume the run")
    if encoder and not cfg.couplings.cycle_weight:
        raise ConfigError(f"{run_dir} was trained without --cycle-weight, so it has no encoder")
    model, opts = model_module(cfg), net_options(cfg)
    generators = model.generators(cfg, opts)
    parts = {"generators": generators.joint}
    discs = model.discriminators(cfg, opts) if discriminators else None
    parts.update({f"discriminator_{i + 1}": d for i, d in enumerate(discs or [])})
    enc = build_encoder(opts, cfg.data.image_size) if encoder else None
    if enc is not None:
        parts[enc.name] = enc
    restore_matched(parts, latest)
    return RestoredRun(cfg, generators, discs, enc, latest)


def load_exported(path):
    """Loaded generator SavedModels (call `.serve(z)`) from one SavedModel dir or a dir of generator_<i> ones."""
    import tensorflow as tf

    path = Path(path)
    dirs = [path] if (path / "saved_model.pb").is_file() else sorted(path.glob("generator_*/"))
    dirs = [d for d in dirs if (d / "saved_model.pb").is_file()]
    if not dirs:
        raise DataError(f"{path} is neither a run directory nor a SavedModel (or a folder of generator_<i> SavedModels)")
    return [tf.saved_model.load(str(d)) for d in dirs]
