"""A short run end to end: every output written, exports that reproduce the nets, resume that continues."""
import csv
import json

import numpy as np
import pytest
import tensorflow as tf

from Trainers.config import load, with_overrides
from Trainers.loop import train
from Trainers.restore import load_exported, restore_run


def read_metrics(run):
    with open(run / "metrics.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    from conftest import tiny_config

    out = tmp_path_factory.mktemp("run") / "cogan"
    cfg = tiny_config(model="cogan", dataset="digits2edge", iterations=4, log_every=1, sample_every=2,
                      checkpoint_every=2, sample_count=8, out=str(out))
    train(cfg)
    return out


def test_a_run_writes_every_output(finished_run):
    run = finished_run
    config = json.loads((run / "config.json").read_text())
    assert config["model"]["kind"] == "cogan" and config["optimisation"]["iterations"] == 4
    rows = read_metrics(run)
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4]
    assert {"d1_loss", "d2_loss", "g1_loss", "g2_loss", "weight_diff"} <= set(rows[0])
    assert list((run / "tensorboard").glob("events.out.tfevents.*"))
    grids = sorted(p.name for p in (run / "samples").glob("step_*.png"))
    assert grids == ["step_0000001.png", "step_0000002.png", "step_0000004.png"]  # after the first call, every 2
    assert (run / "losses.png").stat().st_size > 0
    assert tf.train.latest_checkpoint(str(run / "checkpoints")).endswith("ckpt-4")
    for i in (1, 2):
        assert (run / "export" / f"generator_{i}" / "saved_model.pb").is_file()


def test_sample_grid_has_thesis_layout(finished_run):
    from PIL import Image

    grid = np.asarray(Image.open(finished_run / "samples" / "step_0000004.png"))
    assert grid.shape == (32 + 2 + 32, 8 * 32, 3)  # domain 1 row, spacer, domain 2 row; 8 latent vectors


def test_exported_generators_reproduce_the_checkpoint(finished_run):
    generators = restore_run(finished_run).generators
    z = np.random.default_rng(1).uniform(-1, 1, (5, 100)).astype(np.float32)
    expected = generators.images(generators.joint(z, training=False))
    for exported, want in zip(load_exported(finished_run / "export"), expected):
        np.testing.assert_allclose(exported.serve(z).numpy(), want.numpy(), atol=1e-6)


def test_resume_continues_from_the_last_checkpoint(finished_run, tmp_path, caplog):
    import gc
    import shutil

    from conftest import tiny_config

    run = tmp_path / "resumed"
    shutil.copytree(finished_run, run)
    saved = with_overrides(load(run), out=str(run), iterations=6)
    with caplog.at_level("WARNING", logger="tensorflow"):
        train(saved, resume=True)
        gc.collect()  # TensorFlow warns about checkpoint values a restore left unread when its status is collected
    assert "could not be found in the restored object" not in caplog.text
    rows = read_metrics(run)
    assert [int(r["step"]) for r in rows] == [1, 2, 3, 4, 5, 6]
    assert tf.train.latest_checkpoint(str(run / "checkpoints")).endswith("ckpt-6")


def test_sample_and_export_commands(finished_run, tmp_path):
    from Utils.commands import main

    z = np.zeros((3, 100), np.float32)
    np.save(tmp_path / "z.npy", z)
    assert main(["sample", str(finished_run), "--z", str(tmp_path / "z.npy"), "--out", str(tmp_path / "s")]) == 0
    pairs = np.load(tmp_path / "s.npz")
    assert pairs["images_1"].shape == pairs["images_2"].shape == (3, 32, 32, 3)
    assert main(["export", str(finished_run), "--discriminators", "--out", str(tmp_path / "exp")]) == 0
    d1 = tf.saved_model.load(str(tmp_path / "exp" / "discriminator_1"))
    assert d1.serve(np.zeros((2, 32, 32, 3), np.float32)).shape == (2, 1)
    assert main(["sample", str(tmp_path / "exp"), "--n", "4", "--out", str(tmp_path / "e")]) == 0
    assert np.load(tmp_path / "e.npz")["images_2"].shape == (4, 32, 32, 3)
    # fresh z for exported generators follow the latent distribution their model.json records
    assert np.abs(np.load(tmp_path / "e.npz")["z"]).max() <= 1  # this run's uniform z
    record = tmp_path / "exp" / "model.json"
    record.write_text(record.read_text().replace('"uniform"', '"normal"'))
    assert main(["sample", str(tmp_path / "exp"), "--n", "4", "--out", str(tmp_path / "n")]) == 0
    assert np.abs(np.load(tmp_path / "n.npz")["z"]).max() > 1  # 400 normal draws: some exceed 1


def test_nan_loss_stops_and_keeps_the_last_good_checkpoint(tmp_path):
    from conftest import tiny_config

    from Trainers.hooks import NonFiniteLoss

    cfg = tiny_config(model="gan", dataset="digits", iterations=50, lr=1e6, loss="wasserstein", log_every=1,
                      checkpoint_every=1, out=str(tmp_path / "nan"))
    with pytest.raises(NonFiniteLoss, match="at step") as error:
        train(cfg)
    latest = tf.train.latest_checkpoint(str(tmp_path / "nan" / "checkpoints"))
    assert latest is not None
    record = json.loads((tmp_path / "nan" / "nonfinite.json").read_text())
    assert f"'{record['term']}' became {record['value']} at step {record['step']}" in str(error.value)
    assert record["value"] in ("nan", "inf", "-inf") and record["metrics"][record["term"]] == record["value"]
    assert record["last_good_checkpoint"] == latest and latest.endswith(f"ckpt-{record['step'] - 1}")


def start_training_until_it_logs(out, rows=1):
    """A long GAN run in a subprocess, once metrics.csv holds `rows` steps; fails with train's stderr if none come."""
    import subprocess
    import sys
    import time

    from conftest import REPO

    proc = subprocess.Popen([sys.executable, str(REPO / "main.py"), "train", "--model", "gan", "--dataset", "digits",
                             "--width", "0.125", "--batch-size", "8", "--iterations", "100000", "--log-every", "1",
                             "--sample-every", "1000", "--quiet", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 600  # generous: on a loaded CPU, importing TensorFlow alone can take a minute
    while len(read_metrics(out) if (out / "metrics.csv").exists() else []) < rows and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        time.sleep(0.2)
    if time.monotonic() >= deadline:
        proc.kill()
        pytest.fail(f"train logged no step within 10 minutes:\n{proc.communicate()[1]}")
    return proc


def test_sigterm_saves_a_checkpoint_and_exits_0(tmp_path):
    import signal

    out = tmp_path / "term"
    proc = start_training_until_it_logs(out)
    proc.send_signal(signal.SIGTERM)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert "--resume" in stdout
    assert tf.train.latest_checkpoint(str(out / "checkpoints")) is not None


def test_ctrl_c_leaves_a_grid_losses_and_a_checkpoint_and_exits_within_seconds(tmp_path):
    """Ctrl-C (SIGINT) after a few steps: the step it interrupts ends, then a grid, losses.png and a checkpoint of
    that step are written, and train exits 0 with the resume command."""
    import signal
    import time

    out = tmp_path / "int"
    proc = start_training_until_it_logs(out, rows=3)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    took = time.monotonic() - sent
    assert proc.returncode == 0, stderr
    assert "Resume with: python main.py train --out" in stdout and "--resume" in stdout
    step = int(stdout.split("Interrupted at step ")[1].split(";")[0])
    assert int(read_metrics(out)[-1]["step"]) == step >= 3
    assert tf.train.latest_checkpoint(str(out / "checkpoints")).endswith(f"ckpt-{step}")
    assert sorted(p.name for p in (out / "samples").glob("step_*.png")) == ["step_0000001.png",
                                                                             f"step_{step:07d}.png"]
    assert (out / "losses.png").stat().st_size > 0
    assert took < 30, f"train took {took:.0f} s to exit after Ctrl-C"


def test_steps_per_call_logs_every_step_and_saves_between_calls(tmp_path):
    from conftest import tiny_config

    out = tmp_path / "spc"
    train(tiny_config(model="gan", dataset="digits", iterations=5, steps_per_call=2, log_every=2, sample_every=4,
                      checkpoint_every=2, sample_count=4, out=str(out)))
    assert [int(r["step"]) for r in read_metrics(out)] == [2, 4, 5]  # the last call runs the one step left
    grids = sorted(p.name for p in (out / "samples").glob("step_*.png"))
    assert grids == ["step_0000002.png", "step_0000004.png", "step_0000005.png"]  # first call, every 4, the end
    assert tf.train.latest_checkpoint(str(out / "checkpoints")).endswith("ckpt-5")


def test_steps_per_call_intervals_must_be_multiples():
    import subprocess
    import sys

    from conftest import REPO

    proc = subprocess.run([sys.executable, str(REPO / "main.py"), "train", "--steps-per-call", "4", "--log-every", "10"],
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 2 and "--log-every 10 must be a multiple of --steps-per-call 4" in proc.stderr


def test_mixed_bfloat16_trains_with_finite_float32_losses_and_samples(tmp_path):
    import keras

    from conftest import tiny_config

    out = tmp_path / "bf16"
    train(tiny_config(model="scogan", fr_weight=10.0, loss="wasserstein", penalty="gp", mixed_precision=True,
                      iterations=3, log_every=1, sample_every=3, checkpoint_every=3, sample_count=4, out=str(out)))
    rows = read_metrics(out)
    assert len(rows) == 3
    for row in rows:
        values = [float(v) for k, v in row.items() if k != "step"]
        assert np.all(np.isfinite(values)) and float(row["feature_reg"]) > 0 and float(row["d1_gp"]) > 0
    assert (out / "samples" / "step_0000003.png").is_file()
    assert keras.mixed_precision.global_policy().name == "float32"  # the policy is the run's, not the process's


def test_bfloat16_xla_gradient_penalty_is_refused_before_building(tmp_path):
    """XLA on CPU cannot compile max-pooling's bfloat16 second derivative: a clear error, not a failed compile."""
    from conftest import tiny_config
    from Utils.errors import ConfigError

    out = tmp_path / "refused"
    cfg = tiny_config(loss="wasserstein", penalty="gp", mixed_precision=True, jit_compile=True, out=str(out))
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("with a GPU, --mixed-precision is float16, which XLA compiles")
    with pytest.raises(ConfigError, match="Drop --jit-compile"):
        train(cfg)
    assert not out.exists()


def test_overwrite_keeps_the_old_run_when_the_new_one_fails_to_start(tmp_path):
    from conftest import tiny_config
    from Utils.errors import ConfigError

    old = tmp_path / "old"
    old.mkdir()
    (old / "config.json").write_text("{}")
    cfg = tiny_config(loss="wasserstein", penalty="gp", mixed_precision=True, jit_compile=True, out=str(old))
    if tf.config.list_physical_devices("GPU"):
        pytest.skip("with a GPU this configuration starts")
    with pytest.raises(ConfigError):
        train(cfg, replace=True)
    assert (old / "config.json").read_text() == "{}"
