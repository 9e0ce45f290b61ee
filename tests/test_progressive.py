"""Progressive growing (Karras et al. 2018): the paper's layers against hand-computed values, the fade-in's ends,
the schedule at its phase boundaries, exact resume in the middle of a fade, and a short run's grids per resolution
and the weights its checkpoints hold."""
import math
import subprocess
import sys
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import REPO, tiny_config
from Nets.progressive import (EqualizedConv2D, EqualizedDense, Growth, GrowthSchedule, MinibatchStdDev, pixel_norm,
                              _repeat_up)
from Penalties.drift import drift_term

warnings.filterwarnings("ignore", message="Gradients do not exist for variables", category=UserWarning)


def growing_config(**overrides):
    """A tiny single GAN growing to 8x8 (levels 4x4 and 8x8): 2 steps per phase, WGAN-GP with the drift term."""
    values = dict(model="gan", dataset="digits", arch="progressive", progressive=True, image_size=8, width=1 / 64,
                  latent_dim=8, batch_size=4, prog_images=8, loss="wasserstein", penalty="gp", drift=0.001,
                  shared_layers=None, shared_disc_layers=None)
    return tiny_config(**{**values, **overrides})


def test_equalised_learning_rate_scales_by_he_constant():
    dense = EqualizedDense(1)
    dense.build((None, 8))
    dense.kernel.assign(np.ones((8, 1), np.float32))
    # sqrt(2 / fan_in) = sqrt(2 / 8) = 0.5: eight ones times one times 0.5
    assert float(dense(tf.ones((1, 8)))[0, 0]) == pytest.approx(4.0)
    conv = EqualizedConv2D(1, 3)
    conv.build((None, 3, 3, 2))
    conv.kernel.assign(np.ones((3, 3, 2, 1), np.float32))
    out = conv(tf.ones((1, 3, 3, 2)))[0, :, :, 0].numpy()
    # fan_in 3 * 3 * 2 = 18, scale 1/3: the centre sees 18 ones, a corner 2 x 2 pixels x 2 channels ('same')
    assert out[1, 1] == pytest.approx(6.0) and out[0, 0] == pytest.approx(8 / 3)
    # the stored weights are N(0, 1): the scale is applied at run time, not at initialisation
    fresh = EqualizedConv2D(64, 3)
    fresh.build((None, 8, 8, 32))
    assert float(np.std(fresh.kernel.numpy())) == pytest.approx(1.0, abs=0.05)


def test_pixel_norm_divides_by_the_root_mean_square_over_channels():
    x = tf.constant([[[[3.0, 4.0]]]])  # rms = sqrt((9 + 16) / 2)
    np.testing.assert_allclose(pixel_norm(x).numpy().ravel(), np.array([3.0, 4.0]) / math.sqrt(12.5), rtol=1e-6)


def test_minibatch_stddev_feature():
    # one group of 4: channel 0 is 0, 0, 2, 2 (population std 1), channel 1 is constant (std sqrt(1e-8))
    x = np.zeros((4, 1, 1, 2), np.float32)
    x[2:, 0, 0, 0], x[:, 0, 0, 1] = 2.0, 1.0
    out = MinibatchStdDev()(tf.constant(x)).numpy()
    assert out.shape == (4, 1, 1, 3)
    np.testing.assert_allclose(out[..., 2], (1.0 + 1e-4) / 2, rtol=1e-5)
    np.testing.assert_array_equal(out[..., :2], x)
    # 8 images: two groups of 4, image i in group i mod 2; group 0 (even images) holds 0, 2, 0, 2, group 1 is constant
    y = np.zeros((8, 1, 1, 1), np.float32)
    y[[2, 6]] = 2.0
    stat = MinibatchStdDev()(tf.constant(y)).numpy()[:, 0, 0, 1]
    np.testing.assert_allclose(stat[0::2], 1.0, rtol=1e-5)
    np.testing.assert_allclose(stat[1::2], 1e-4, rtol=1e-3)


def test_drift_term_is_the_mean_squared_real_logit():
    assert float(drift_term(tf.constant([[1.0], [-2.0], [3.0]]))) == pytest.approx(14 / 3)


def test_schedule_at_phase_boundaries():
    s = GrowthSchedule(start_level=0, final_level=2, phase_steps=10)
    assert [s.level(t) for t in (0, 9, 10, 29, 30, 10 ** 6)] == [0, 0, 1, 1, 2, 2]
    assert [s.alpha(t, 1) for t in (10, 15, 19, 20, 29)] == [0.0, 0.5, 0.9, 1.0, 1.0]
    assert s.alpha(30, 2) == 0.0 and s.alpha(3, 0) == 1.0
    assert float(s.alpha(tf.constant(15.0), 1)) == pytest.approx(0.5)
    assert [s.next_change(t) for t in (0, 9, 10, 29, 30)] == [10, 10, 30, 30, None]
    from Trainers.progressive import schedule

    # from 8x8 (level 1) to 32x32 (level 3), 100 images per phase in batches of 8: 13 steps
    assert schedule(tiny_config(progressive=True, prog_start=8, prog_images=100, image_size=32, batch_size=8)) == \
        GrowthSchedule(1, 3, 13)


def test_real_images_are_downscaled_and_blended_like_the_generator():
    x = tf.constant(np.random.default_rng(0).uniform(-1, 1, (2, 16, 16, 1)).astype(np.float32))
    eight = tf.nn.avg_pool2d(x, 2, 2, "VALID")
    four = tf.nn.avg_pool2d(eight, 2, 2, "VALID")
    growth = Growth(16)
    with growth.fixed(1, 0.25):  # level 1 (8x8) a quarter faded in, at a final size of 16
        blended = growth.real_images(x).numpy()
    expected = _repeat_up(0.75 * _repeat_up(four, 2) + 0.25 * eight, 2).numpy()
    np.testing.assert_allclose(blended, expected, rtol=1e-6, atol=1e-6)
    with growth.fixed(2):  # the final level, nothing fading: the images themselves
        assert growth.real_images(x) is x


def test_fade_in_equals_the_old_output_at_alpha_0_and_the_new_at_alpha_1():
    from Trainers.builders import build_setup

    keras.utils.set_random_seed(0)
    setup = build_setup(growing_config())
    g, d, growth = setup.generators.single[0], setup.discriminators[0], setup.generators.growth
    z = tf.constant(np.random.default_rng(1).normal(size=(4, 8)).astype(np.float32))
    with growth.fixed(0):
        old = g(z).numpy()
    with growth.fixed(1, 0.0):
        faded_out = g(z).numpy()
    with growth.fixed(1, 1.0):
        faded_in = g(z).numpy()
    with growth.fixed(1):
        new = g(z).numpy()
    assert old.shape == new.shape == (4, 8, 8, 3)
    np.testing.assert_array_equal(old[:, ::2, ::2], old[:, 1::2, 1::2])  # 4x4 repeated up to the final 8x8
    np.testing.assert_array_equal(faded_out, old)
    np.testing.assert_array_equal(faded_in, new)
    assert not np.allclose(old, new)
    # the discriminator mirrors it, on an image the 4x4 level sees exactly (2x2 blocks of one value)
    image = _repeat_up(tf.constant(np.random.default_rng(2).uniform(-1, 1, (4, 4, 4, 3)).astype(np.float32)), 2)
    with growth.fixed(0):
        d_old = d(image).numpy()
    with growth.fixed(1, 0.0):
        np.testing.assert_allclose(d(image).numpy(), d_old, rtol=1e-6)
    with growth.fixed(1):
        d_new = d(image).numpy()
    with growth.fixed(1, 1.0):
        np.testing.assert_array_equal(d(image).numpy(), d_new)


def _batches(steps, cfg, start=0):
    """A fixed stream of one batch per step (a pure function of the step), from `start` on."""
    data = np.random.default_rng(3).uniform(-1, 1, (steps, cfg.optimisation.batch_size, 8, 8, 3)).astype(np.float32)
    return iter(tf.data.Dataset.from_tensor_slices((data,)).skip(start))


def _trainer(cfg):
    from Trainers.adversarial import AdversarialTrainer
    from Trainers.builders import build_setup

    keras.utils.set_random_seed(cfg.optimisation.seed)
    return AdversarialTrainer(build_setup(cfg), cfg)


def _run(trainer, iterator, steps):
    from Trainers.progressive import run_steps

    calls = run_steps(trainer, 1)
    for _ in range(steps):
        calls(iterator, tf.constant(1))


def test_resume_in_the_middle_of_a_fade_gives_the_weights_of_an_uninterrupted_run(tmp_path):
    from Trainers.checkpoints import checkpoint_manager, restore_latest

    cfg = growing_config()  # steps 0-1 at 4x4, 2-3 fading 8x8 in, 4- at 8x8
    whole = _trainer(cfg)
    _run(whole, _batches(5, cfg), 5)

    first = _trainer(cfg)
    _run(first, _batches(5, cfg), 3)  # stopped after step 3: alpha 0.5 next
    assert first.growth.level == 1 and float(first.growth.current()[1]) == pytest.approx(0.5)
    checkpoint_manager(first, str(tmp_path), 1, log=lambda *a: None).save(checkpoint_number=3)
    resumed = _trainer(cfg)
    restore_latest(resumed, str(tmp_path), log=lambda *a: None)
    assert int(resumed.step.numpy()) == 3
    _run(resumed, _batches(5, cfg, start=3), 2)

    for a, b in zip(whole.g_vars + whole.d_vars, resumed.g_vars + resumed.d_vars):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6, err_msg=a.path)
    assert not np.allclose(whole.g_vars[0].numpy(), first.g_vars[0].numpy())  # the last two steps moved them


def test_cogan_shares_blocks_but_not_rgb_layers_and_scogan_nothing():
    from Trainers.builders import build_setup

    cogan = build_setup(growing_config(model="cogan", dataset="digits2edge", shared_layers=2, shared_disc_layers=1))
    g1, g2 = cogan.generators.single
    assert g1.blocks[0] is g2.blocks[0] and g1.blocks[1] is g2.blocks[1]
    assert all(a is not b for a, b in zip(g1.to_rgbs, g2.to_rgbs))
    d1, d2 = cogan.discriminators
    assert d1.blocks[0] is d2.blocks[0] and d1.blocks[1] is not d2.blocks[1]
    scogan = build_setup(growing_config(model="scogan", dataset="digits2edge"))
    shared = {id(v) for v in scogan.generators.single[0].trainable_variables} & {
        id(v) for v in scogan.generators.single[1].trainable_variables}
    assert not shared


def test_a_cogan_pair_trains_across_a_level_change_inside_one_call():
    # 1 step at 4x4, then fading 8x8 in; without the gradient penalty, whose double backward pass is slow to trace
    cfg = growing_config(model="cogan", dataset="digits2edge", prog_images=4, loss="non-saturating", penalty="none")
    trainer = _trainer(cfg)
    data = np.random.default_rng(4).uniform(-1, 1, (3, 4, 8, 8, 3)).astype(np.float32)
    iterator = iter(tf.data.Dataset.from_tensor_slices((data, data[::-1])))
    from Trainers.progressive import run_steps

    metrics = run_steps(trainer, 3)(iterator, tf.constant(3))  # one call, split at the level change
    assert trainer.growth.level == 1 and int(trainer.step.numpy()) == 3
    assert all(len(v) == 3 and np.all(np.isfinite(v.numpy())) for v in metrics.values())
    assert {"d1_drift", "d2_drift", "weight_diff"} <= set(metrics)


def test_a_power_of_two_is_required_before_tensorflow_is_imported(tmp_path):
    args = ["main.py", "train", "--model", "gan", "--dataset", "folder", "--folder", str(tmp_path), "--image-size",
            "96", "--progressive", "--out", str(tmp_path / "run")]
    code = (f"import sys; sys.argv={args!r}\nfrom Utils.commands import main\ntry: main()\n"
            f"except SystemExit as e: print('exit', e.code, 'tensorflow' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.stdout.strip().endswith("exit 2 False"), proc.stderr[-2000:]
    assert "power of two" in proc.stderr and "96" in proc.stderr


def test_a_growing_run_writes_a_grid_per_resolution(tmp_path):
    from Trainers.loop import train

    out = tmp_path / "run"
    cfg = growing_config(image_size=32, prog_start=16, iterations=4, sample_every=2, checkpoint_every=2,
                         sample_count=4, out=str(out))
    train(cfg)
    grids = sorted(p.name for p in (out / "samples").glob("step_*.png"))
    assert grids == ["step_0000001_16x16.png", "step_0000002_16x16.png", "step_0000004_32x32.png"]
    from PIL import Image

    assert Image.open(out / "samples" / grids[0]).size == Image.open(out / "samples" / grids[-1]).size

    # The checkpoint holds the nets' weights: the run restored without its optimizer draws what the export (written
    # from the trained nets in memory) draws; an untrained generator would not.
    from Trainers.restore import load_exported, restore_run

    run = restore_run(out, discriminators=True)
    z = np.random.default_rng(0).normal(size=(4, 8)).astype(np.float32)
    restored = np.asarray(run.generators.images(run.generators.joint(z, training=False))[0])
    export = load_exported(out / "export")[0]  # kept: its variables live only as long as the loaded object
    exported = np.asarray(export.serve(z))
    np.testing.assert_allclose(restored, exported, atol=1e-5)
