"""Pix2Pix (Isola et al. 2017) in the one training loop: its L1 term and conditional discriminator input against
hand-computed values; paired data (the digit pairs, two folders of same-named images) in one seeded order; a tiny
run that checkpoints, resumes exactly and exports its translator; its configuration rules."""
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from conftest import REPO
from stopping import SigtermAt, metrics
from Trainers.config import load, resolve
from Trainers.loop import train
from Trainers.pix2pix import judged, l1_term
from Trainers.setup import StepContext
from Utils.errors import ConfigError


def test_l1_term_against_a_hand_computed_value():
    translated = tf.constant([[[[0.5, 0.5, 0.5]]], [[[-1.0, 0.0, 1.0]]]])
    targets = tf.constant([[[[0.0, 0.5, 1.0]]], [[[-1.0, -1.0, -1.0]]]])
    ctx = StepContext(z=None, features=[[]], fakes=[translated], reals=[tf.zeros_like(targets), targets])
    # |differences| = 0.5, 0, 0.5, 0, 1, 2: mean 4 / 6
    assert float(l1_term(ctx)) == pytest.approx(4 / 6)


def test_the_discriminator_judges_the_input_beside_the_target_or_the_translation():
    source, target, translated = (tf.fill([2, 4, 4, 3], v) for v in (0.1, 0.2, 0.3))
    (real,), (fake,) = judged([source, target], [translated])
    assert real.shape == fake.shape == (2, 4, 4, 6)
    assert np.allclose(real[..., :3], 0.1) and np.allclose(real[..., 3:], 0.2)
    assert np.allclose(fake[..., :3], 0.1) and np.allclose(fake[..., 3:], 0.3)


def test_paired_digits_are_each_digit_and_its_own_edge_image():
    """--paired: domain 2's image i is the edge image of domain 1's digit i (the same half), where the unpaired
    pair takes the edges of the other half."""
    from Data.digits import load_digits_images
    from Data.domains import halves, load_domains
    from Data.transforms import digit_pair

    native, _ = load_digits_images()
    first, _ = halves(native, 0)
    want = digit_pair(first, first, "edge", 32)
    got = load_domains("digits2edge", image_size=32, seed=0, paired=True)
    for source, images in zip(got, want):
        assert source.size == images.shape[0]
        assert np.allclose(source.element(5), images[5] * 2.0 - 1.0, atol=1e-6)


def _folder(path, names, value):
    path.mkdir()
    for name in names:
        Image.fromarray(np.full((8, 8, 3), value, np.uint8)).save(path / name)
    return str(path)


def test_two_folders_pair_by_name_and_refuse_unmatched_names(tmp_path):
    a = _folder(tmp_path / "a", ["x.png", "y.png"], 10)
    b = _folder(tmp_path / "b", ["x.png", "y.jpg"], 20)
    cfg = resolve({"model": "pix2pix", "dataset": "folder", "folder": [a, b], "paired": True})
    assert cfg.data.paired
    c = _folder(tmp_path / "c", ["x.png", "z.png"], 30)
    with pytest.raises(ConfigError, match="same names.*y.*only in"):
        resolve({"model": "pix2pix", "dataset": "folder", "folder": [a, c], "paired": True})


def test_a_paired_stream_reads_both_domains_in_one_order():
    """Index i of domain 1 and of domain 2 are a pair; the two streams must draw the same indices."""
    from Data.image_sources import ArraySource
    from Trainers.loop import _streams

    cfg = resolve({"model": "pix2pix", "dataset": "digits2edge", "paired": True, "batch_size": 4})
    ids = np.arange(20, dtype=np.float32)[:, None, None, None] * np.ones((1, 2, 2, 1), np.float32) / 20
    sources = [ArraySource(ids), ArraySource(ids)]
    first, second = (next(iter(stream)) for stream in _streams(cfg, sources, start=3))
    assert np.array_equal(first.numpy(), second.numpy())


@pytest.mark.parametrize("args,message", [
    (["--dataset", "digits2edge"], "--model pix2pix learns from aligned pairs: add --paired"),
    (["--dataset", "horse2zebra", "--paired"], "--paired pairs each digit with its own transformed image"),
    (["--dataset", "digits2edge", "--paired", "--history-size", "5"], "--history-size is for --model cyclegan"),
    (["--dataset", "digits2edge", "--paired", "--latent-dim", "5"], "--latent-dim does not apply to --model pix2pix"),
])
def test_config_refusals_exit_2(args, message):
    proc = subprocess.run([sys.executable, str(REPO / "main.py"), "train", "--model", "pix2pix", *args],
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_l1_weight_is_refused_for_the_other_models():
    with pytest.raises(ConfigError, match="--l1-weight is for --model pix2pix"):
        resolve({"model": "cyclegan", "dataset": "digits2edge", "l1_weight": 10.0})


def tiny(out):
    return resolve(dict(model="pix2pix", dataset="digits2edge", paired=True, width=0.125, batch_size=2,
                        iterations=6, log_every=1, checkpoint_every=3, sample_every=3, sample_count=4, quiet=True,
                        seed=5, out=str(out)))


def test_a_tiny_run_checkpoints_resumes_exactly_and_exports(tmp_path):
    """Stopped at step 3 and resumed: every logged value equals the uninterrupted run's (the paired order, the
    dropout masks and the nets came back exactly)."""
    whole, stopped = tmp_path / "whole", tmp_path / "stopped"
    train(tiny(whole))
    train(tiny(stopped), hooks=[SigtermAt(3)])
    assert tf.train.latest_checkpoint(str(stopped / "checkpoints")).endswith("ckpt-3")
    train(load(stopped), resume=True)
    header, *rows = metrics(whole)
    assert {"l1_loss", "l1_loss_weighted", "d1_loss", "g1_loss"} <= set(header) and len(rows) == 6
    assert metrics(stopped) == metrics(whole)
    assert (whole / "samples" / "step_0000006.png").is_file()
    exported = tf.saved_model.load(str(whole / "export" / "translator_1to2"))
    assert exported.serve(np.zeros([2, 32, 32, 3], np.float32)).shape == (2, 32, 32, 3)
    assert not (whole / "export" / "translator_2to1").exists()


def test_translate_refuses_the_direction_pix2pix_has_no_net_for(tmp_path, capsys):
    from Trainers.config import save
    from Utils.commands import main

    run = tmp_path / "run"
    run.mkdir()
    save(tiny(run), run)
    (tmp_path / "in").mkdir()
    with pytest.raises(SystemExit) as exc:
        main(["translate", str(run), "--input", str(tmp_path / "in"), "--direction", "2to1", "--out",
              str(tmp_path / "out")])
    assert exc.value.code == 2 and "cannot translate 2to1: its directions are 1to2" in capsys.readouterr().err
