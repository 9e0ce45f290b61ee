"""CycleGAN (Zhu et al. 2017) in the one training loop: its nets, terms, history buffer and schedule against
hand-computed values; a tiny run that checkpoints, resumes exactly and exports its translators; its
configuration rules."""
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import REPO
from stopping import SigtermAt, metrics
from Losses.adversarial import least_squares_discriminator_loss
from Losses.translation import cycle_generator_loss
from Nets.options import NetOptions
from Nets.patchgan import patchgan_discriminator
from Nets.resnet_generator import resnet_generator
from Trainers.config import load, resolve
from Trainers.cyclegan import cycle_term, identity_term
from Trainers.history import ImageHistory
from Trainers.loop import train
from Trainers.schedules import HalfLinearDecay
from Trainers.setup import StepContext


def affine(scale, offset):
    """A translator x -> scale * x + offset, to compute the terms by hand."""
    image = keras.Input((2, 2, 3))
    return keras.Model(image, keras.layers.Rescaling(scale, offset)(image))


def test_cycle_and_identity_terms_against_hand_computed_values():
    to_2, to_1 = affine(2.0, 0.0), affine(1.0, 1.0)  # G(x) = 2x, F(y) = y + 1
    real_1, real_2 = tf.fill([2, 2, 2, 3], 0.5), tf.fill([2, 2, 2, 3], -0.25)
    ctx = StepContext(z=None, features=[[], []], fakes=[to_1(real_2), to_2(real_1)], reals=[real_1, real_2])
    translators = {"1to2": to_2, "2to1": to_1}
    # |F(G(x)) - x| = |2x + 1 - x| = 1.5 at x = 0.5; |G(F(y)) - y| = |2y + 2 - y| = 1.75 at y = -0.25
    assert float(cycle_term(translators)(ctx)) == pytest.approx(1.5 + 1.75)
    # |G(y) - y| = |y| = 0.25; |F(x) - x| = 1
    assert float(identity_term(translators)(ctx)) == pytest.approx(0.25 + 1.0)


def test_least_squares_terms_against_hand_computed_values():
    # generator: mean (D - 1)^2 over every patch = ((0.5 - 1)^2 + (2 - 1)^2) / 2 (the paper's, no 1/2 factor)
    assert float(cycle_generator_loss(tf.constant([[0.5], [2.0]]))) == pytest.approx(0.625)
    # discriminator: (mean (D(real) - 1)^2 + mean D(fake)^2) / 2 = ((0.25 + 1) / 2 + (0.25 + 1) / 2) / 2
    real, fake = tf.constant([1.5, 0.0]), tf.constant([0.5, -1.0])
    assert float(least_squares_discriminator_loss(real, fake)) == pytest.approx(0.625)


def images(*values):
    return tf.constant(values, tf.float32)[:, None, None, None]


def query(history, values, draws):
    return history.query(images(*values), tf.constant(draws, tf.float32)).numpy().ravel().tolist()


def test_history_buffer_fills_then_swaps_half_the_time():
    history = ImageHistory(3, (1, 1, 1))
    assert query(history, [1, 2], [[0.9, 0.0], [0.9, 0.0]]) == [1, 2]  # not full: stored and used as they are
    # 3 fills the last slot; then the buffer is full: u 0.9 > 0.5 swaps 4 with slot int(0.0 * 3) = 0, which held 1
    assert query(history, [3, 4], [[0.9, 0.0], [0.9, 0.0]]) == [3, 1]
    assert history.images.numpy().ravel().tolist() == [4, 2, 3]
    assert query(history, [5], [[0.3, 0.9]]) == [5]  # u 0.3: the current image, the buffer unchanged
    # image by image: 6 takes slot int(0.7 * 3) = 2 (returns 3), then 7 takes it again (returns the 6 just stored)
    assert query(history, [6, 7], [[0.6, 0.7], [0.6, 0.7]]) == [3, 6]
    assert history.images.numpy().ravel().tolist() == [4, 2, 7] and int(history.count) == 3


def test_half_linear_schedule_at_start_middle_and_end():
    schedule = HalfLinearDecay(2e-4, total=100)
    values = {step: float(schedule(step)) for step in (0, 25, 50, 75, 99, 100)}
    assert values == pytest.approx({0: 2e-4, 25: 2e-4, 50: 2e-4, 75: 1e-4, 99: 4e-6, 100: 0.0})


def test_resnet_generator_and_patchgan_have_the_papers_layers():
    """Weights of c7s1-64, d128, d256, 9 x R256, u128, u64, c7s1-3 (no biases before instance norm) and of the
    70x70 PatchGAN C64-C128-C256-C512 + 1-channel logit, counted by hand; the PatchGAN gives 30x30 logits."""
    opts = NetOptions()
    convs = [7 * 7 * 3 * 64, 3 * 3 * 64 * 128, 3 * 3 * 128 * 256, 9 * 2 * 3 * 3 * 256 * 256, 3 * 3 * 256 * 128,
             3 * 3 * 128 * 64, 7 * 7 * 64 * 3 + 3]
    generator = resnet_generator(opts, 256, 9, "g")
    assert generator.count_params() == sum(convs) and generator.output_shape == (None, 256, 256, 3)
    discriminator = patchgan_discriminator(opts, 256, 3, "instance", "d")
    layers = [16 * 3 * 64 + 64, 16 * 64 * 128, 16 * 128 * 256, 16 * 256 * 512, 16 * 512 + 1]
    assert discriminator.count_params() == sum(layers) and discriminator.output_shape == (None, 30, 30, 1)


def test_the_paper_defaults_resolve():
    cfg = resolve({"model": "cyclegan", "dataset": "digits2edge"})
    assert (cfg.objective.loss, cfg.optimisation.lr_schedule, cfg.optimisation.lr, cfg.optimisation.beta1) == (
        "least-squares", "half-linear", 2e-4, 0.5)
    assert (cfg.objective.image_cycle_weight, cfg.objective.identity_weight, cfg.objective.history_size) == (
        10.0, 5.0, 50)
    assert cfg.model.arch is None  # the translators' nets are their own


@pytest.mark.parametrize("args,message", [
    (["--dataset", "digits"], "--model cyclegan translates between two domains"),
    (["--latent-dim", "8"], "--latent-dim does not apply to --model cyclegan"),
    (["--shared-layers", "2"], "--shared-layers does not apply to --model cyclegan"),
    (["--fr-weight", "1"], "--fr-weight does not apply to --model cyclegan"),
    (["--arch", "dcgan"], "--arch does not apply to --model cyclegan"),
    (["--image-size", "64"], "--dataset digits2edge takes --image-size 32"),
    (["--eval-every", "10"], "--eval-every does not apply to --model cyclegan"),
])
def test_config_refusals_exit_2(args, message):
    proc = subprocess.run([sys.executable, str(REPO / "main.py"), "train", "--model", "cyclegan", "--dataset",
                           "digits2edge", *args], capture_output=True, text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr, proc.stderr


def test_cyclegan_settings_are_refused_for_the_latent_models():
    with pytest.raises(Exception, match="--history-size is for --model cyclegan"):
        resolve({"model": "cogan", "dataset": "digits2edge", "history_size": 10})


def tiny(out, **overrides):
    """CycleGAN at 1/8 width with one residual block, a 3-image buffer that is full after two steps of 2."""
    settings = dict(model="cyclegan", dataset="digits2edge", width=0.125, residual_blocks=1, batch_size=2,
                    iterations=6, history_size=3, log_every=1, checkpoint_every=3, sample_every=3, sample_count=4,
                    quiet=True, seed=3, out=str(out))
    return resolve({**settings, **overrides})


def test_a_tiny_run_checkpoints_resumes_exactly_and_exports(tmp_path):
    """Stopped at step 3 (the buffers full, the schedule half way) and resumed: every logged value equals the
    uninterrupted run's, so the buffers, the schedule and the translators came back exactly."""
    whole, stopped = tmp_path / "whole", tmp_path / "stopped"
    train(tiny(whole))
    train(tiny(stopped), hooks=[SigtermAt(3)])
    assert tf.train.latest_checkpoint(str(stopped / "checkpoints")).endswith("ckpt-3")
    saved = [name for name, _ in tf.train.list_variables(str(stopped / "checkpoints" / "ckpt-3"))]
    assert any(name.startswith("history_1/images") for name in saved)
    train(load(stopped), resume=True)
    header, *rows = metrics(whole)
    assert {"image_cycle_loss", "identity_loss", "d1_loss", "g2_loss"} <= set(header) and len(rows) == 6
    assert metrics(stopped) == metrics(whole)

    assert (whole / "samples" / "step_0000006.png").is_file()
    digits = np.zeros([2, 32, 32, 3], np.float32)
    for direction in ("1to2", "2to1"):
        exported = tf.saved_model.load(str(whole / "export" / f"translator_{direction}"))
        assert exported.serve(digits).shape == (2, 32, 32, 3)

    # `translate` uses the translators directly, from the run and from its export alike
    from PIL import Image

    from Utils.commands import main

    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for name in ("a.png", "b.png"):
        Image.fromarray(np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(inputs / name)
    outputs = []
    for source in (whole, whole / "export"):
        out = tmp_path / f"translated_{source.name}"
        assert main(["translate", str(source), "--input", str(inputs), "--direction", "2to1", "--out", str(out),
                     "--quiet"]) == 0
        assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.png", "translation_grid.png"]  # no inversion
        outputs.append(np.asarray(Image.open(out / "a.png")))
    assert np.array_equal(*outputs)


@pytest.mark.parametrize("command", ["sample", "evaluate"])
def test_latent_commands_refuse_translators_naming_translate(tmp_path, capsys, command):
    from Trainers.config import save
    from Utils.commands import main

    (tmp_path / "run").mkdir()
    save(tiny(tmp_path / "run"), tmp_path / "run")
    with pytest.raises(SystemExit) as exc:
        main([command, str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "translate" in err and "read images" in err and "Traceback" not in err
