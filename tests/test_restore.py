"""Opening a trained run reads only the nets it is asked for: an SCoGAN-SL run whose classifier file is gone still
samples, evaluates and exports, and a run directory written with the flat config.json of before the grouped
schema still resumes, samples, evaluates and exports."""
import importlib.util
import json

import numpy as np
import pytest
import tensorflow as tf

from conftest import tiny_config
from Trainers import config
from Trainers.loop import train
from Trainers.restore import restore_run
from Utils.commands import main


def _commands_work(run, tmp_path, **evaluate):
    """sample, export and evaluate (LPIPS rows on 8 pairs) on `run`, through the CLI."""
    assert main(["sample", str(run), "--n", "4", "--seed", "3", "--out", str(tmp_path / "s")]) == 0
    assert np.load(tmp_path / "s.npz")["images_2"].shape == (4, 32, 32, 3)
    assert main(["export", str(run), "--out", str(tmp_path / "export")]) == 0
    assert (tmp_path / "export" / "generator_2" / "saved_model.pb").is_file()
    if importlib.util.find_spec("lpips") is None:
        pytest.skip("LPIPS weight packages not installed")
    assert main(["evaluate", str(run), "--n", "8", "--batch-size", "8", "--quiet", "--out", str(tmp_path / "e")]) == 0
    assert json.loads((tmp_path / "e" / "evaluation.json").read_text())["n"] == 8


def test_an_sl_run_whose_classifier_was_deleted_still_samples_exports_and_evaluates(tmp_path):
    from Nets.classifiers import build_digit_classifier

    classifier = tmp_path / "digits.keras"
    build_digit_classifier().save(classifier)
    run = tmp_path / "sl"
    train(tiny_config(model="scogan", semantic_weight=1.0, classifier=str(classifier), iterations=2,
                      checkpoint_every=2, sample_every=2, sample_count=4, out=str(run)))
    classifier.unlink()
    restored = restore_run(run)
    assert restored.config.couplings.classifier == str(classifier)  # recorded, but not needed to open the run
    _commands_work(run, tmp_path)


def test_the_encoder_is_restored_only_when_asked(tmp_path):
    run = tmp_path / "cc"
    train(tiny_config(model="scogan", cycle_weight=1.0, iterations=2, checkpoint_every=2, sample_every=2,
                      sample_count=4, out=str(run)))
    assert restore_run(run).encoder is None
    encoder = restore_run(run, encoder=True).encoder
    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(str(run / "checkpoints")))
    saved = [reader.get_tensor(k) for k, shape in reader.get_variable_to_shape_map().items()
             if "OPTIMIZER_SLOT" not in k and shape == list(encoder.weights[0].shape)]
    assert any(np.array_equal(tensor, encoder.weights[0].numpy()) for tensor in saved)  # the trained kernel


def test_a_run_with_the_flat_config_of_before_the_schema_resumes_and_opens(tmp_path):
    run = tmp_path / "old"
    cfg = tiny_config(model="cogan", dataset="digits2edge", iterations=2, checkpoint_every=2, sample_every=2,
                      sample_count=4, out=str(run))
    train(cfg)
    # What the CLI wrote before the grouped schema: every flag's value under its flag name, --resume and
    # --overwrite included.
    flat = {**config.to_flat(cfg), "folder": [], "resume": False, "overwrite": False}
    (run / "config.json").write_text(json.dumps(flat, indent=2, sort_keys=True))
    assert main(["train", "--out", str(run), "--resume", "--iterations", "4", "--quiet"]) == 0
    assert tf.train.latest_checkpoint(str(run / "checkpoints")).endswith("ckpt-4")
    assert json.loads((run / "config.json").read_text())["schema"] == config.SCHEMA_VERSION  # rewritten grouped
    _commands_work(run, tmp_path)
