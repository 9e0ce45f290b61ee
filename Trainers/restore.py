"""Rebuild a run's nets from its config.json and load its latest checkpoint."""
import argparse
import json
from pathlib import Path

from Utils.errors import DataError


def restore_run(run_dir):
    """(config, TrainingSetup) of the run at run_dir, weights from its latest checkpoint."""
    import tensorflow as tf

    from Trainers.adversarial import AdversarialTrainer
    from Trainers.builders import build_setup
    from Trainers.checkpoints import make_checkpoint

    run_dir = Path(run_dir)
    config_path = run_dir / "config.json"
    if not config_path.is_file():
        raise FileNotFoundError(f"{run_dir} is not a run directory (no config.json)")
    from Utils.commands.train import train_defaults

    cfg = argparse.Namespace(**{**train_defaults(), **json.loads(config_path.read_text())})
    latest = tf.train.latest_checkpoint(str(run_dir / "checkpoints"))
    if latest is None:
        raise FileNotFoundError(f"{run_dir / 'checkpoints'} holds no checkpoint yet; train longer or resume the run")
    setup = build_setup(cfg)
    trainer = AdversarialTrainer(setup, cfg)
    make_checkpoint(trainer).restore(latest).expect_partial()
    return cfg, setup, latest


def load_exported(path):
    """Loaded generator SavedModels (call `.serve(z)`) from one SavedModel dir or a dir of generator_<i> ones."""
    import tensorflow as tf

    path = Path(path)
    dirs = [path] if (path / "saved_model.pb").is_file() else sorted(path.glob("generator_*/"))
    dirs = [d for d in dirs if (d / "saved_model.pb").is_file()]
    if not dirs:
        raise DataError(f"{path} is neither a run directory nor a SavedModel (or a folder of generator_<i> SavedModels)")
    return [tf.saved_model.load(str(d)) for d in dirs]
