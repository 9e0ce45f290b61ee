"""docs/api.md's code: configure from a preset with overrides, train, restore the generators and sample."""
import numpy as np
import pytest

from Trainers.loop import train
from Trainers.presets import configure
from Trainers.restore import restore_run
from Utils.errors import ConfigError


def test_configure_train_restore_sample_as_docs_api_shows(tmp_path):
    cfg = configure("quickstart", iterations=2, steps_per_call=1, sample_every=2, checkpoint_every=2, width=1 / 8,
                    batch_size=8, out=str(tmp_path / "api_demo"))
    assert cfg.preset == "quickstart" and cfg.model.kind == "cogan" and cfg.optimisation.batch_size == 8
    run_dir = train(cfg)
    run = restore_run(run_dir)
    assert run.config == cfg
    z = np.random.default_rng(0).uniform(-1, 1, (8, run.config.model.latent_dim)).astype("float32")
    images_1, images_2 = run.generators.images(run.generators.joint(z, training=False))
    assert images_1.shape == images_2.shape == (8, 32, 32, 3)
    assert -1 <= float(np.min(images_1)) and float(np.max(images_2)) <= 1


def test_configure_refuses_what_train_refuses():
    with pytest.raises(ConfigError, match="--fr-weight couples SCoGAN"):
        configure("quickstart", fr_weight=1.0)
