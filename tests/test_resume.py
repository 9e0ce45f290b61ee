"""Nothing lost: a run killed with SIGKILL resumes exactly, unreadable checkpoints fall back, start-up failures
leave no run directory behind."""
import csv
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import tensorflow as tf

from conftest import REPO, tiny_config
from Trainers.checkpoints import CheckpointError
from Trainers.config import load, with_overrides
from Trainers.loop import train

# CoGAN with the gradient penalty (its alphas), n_critic 2, and the discriminators' dropout (its masks).
RUN = ["--model", "cogan", "--dataset", "digits2edge", "--width", "0.125", "--batch-size", "8", "--iterations", "40",
       "--loss", "wasserstein", "--penalty", "gp", "--n-critic", "2", "--seed", "7", "--deterministic",
       "--log-every", "1", "--checkpoint-every", "5", "--sample-every", "40", "--sample-count", "4", "--quiet"]


def start(out, *extra):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.Popen([sys.executable, str(REPO / "main.py"), "train", *RUN, "--out", str(out), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)


def rows(run):
    with open(run / "metrics.csv", newline="") as f:
        return list(csv.reader(f))


def logged_steps(run):
    try:
        return len(rows(run)) - 1
    except (FileNotFoundError, StopIteration):
        return 0


def test_sigkill_then_resume_logs_what_an_uninterrupted_run_logs(tmp_path):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    reference = start(whole)
    victim = start(killed)
    deadline = time.monotonic() + 240
    # Kill at some step after the first checkpoint (step 5), so the resume also has logged rows to discard.
    while not ((killed / "checkpoints" / "checkpoint").exists() and logged_steps(killed) >= 7):
        assert victim.poll() is None, f"the run ended before it could be killed: {victim.communicate()[1][-2000:]}"
        assert time.monotonic() < deadline, "no checkpoint within 240 s"
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=60)
    assert victim.returncode == -signal.SIGKILL
    checkpoint_step = int(tf.train.latest_checkpoint(str(killed / "checkpoints")).rsplit("-", 1)[1])
    killed_at = logged_steps(killed)
    assert 5 <= checkpoint_step < 40 and killed_at < 40

    resumed = subprocess.run([sys.executable, str(REPO / "main.py"), "train", "--out", str(killed), "--resume"],
                             capture_output=True, text=True, timeout=300, cwd=REPO)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"from step {checkpoint_step}" in resumed.stdout
    _, stderr = reference.communicate(timeout=300)
    assert reference.returncode == 0, stderr[-3000:]

    expected, got = rows(whole), rows(killed)
    assert got[0] == expected[0] and "d1_gp" in got[0]
    assert [int(r[0]) for r in got[1:]] == list(range(1, 41))
    after = slice(checkpoint_step + 1, None)  # rows of steps > checkpoint_step (row 0 is the header)
    assert got[after] == expected[after], "the resumed run must log exactly the uninterrupted run's metrics"
    assert got == expected


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """A GAN run with checkpoints at steps 2 and 4."""
    out = tmp_path_factory.mktemp("ckpt") / "gan"
    train(tiny_config(model="gan", dataset="digits", iterations=4, log_every=1, sample_every=4, checkpoint_every=2,
                      sample_count=4, out=str(out)))
    return out


def test_unreadable_newest_checkpoint_falls_back_to_the_previous(short_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(short_run, run)
    for data in (run / "checkpoints").glob("ckpt-4.data-*"):
        data.write_bytes(data.read_bytes()[:100])  # truncated, as by a full disk
    saved = with_overrides(load(run), out=str(run), iterations=6)
    train(saved, resume=True)
    out = capsys.readouterr().out
    assert "ckpt-4 is unreadable" in out and "Resuming" in out and "from step 2" in out
    assert [int(r[0]) for r in rows(run)[1:]] == [1, 2, 3, 4, 5, 6]
    assert tf.train.latest_checkpoint(str(run / "checkpoints")).endswith("ckpt-6")


def test_garbage_state_file_falls_back_to_the_checkpoints_on_disk(short_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(short_run, run)
    (run / "checkpoints" / "checkpoint").write_bytes(b"\x00\xff garbage {{{")
    (run / "checkpoints" / "ckpt-6_temp").mkdir()  # what a kill during a save leaves behind
    (run / "checkpoints" / "ckpt-6_temp" / "part-00000-of-00001.data-00000-of-00001").write_bytes(b"half")
    saved = with_overrides(load(run), out=str(run), iterations=5)
    train(saved, resume=True)
    assert "from step 4" in capsys.readouterr().out


def test_no_readable_checkpoint_is_a_clear_error(short_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(short_run, run)
    for index in (run / "checkpoints").glob("ckpt-*.index"):
        index.write_bytes(b"not an index")
    saved = with_overrides(load(run), out=str(run), iterations=6)
    with pytest.raises(CheckpointError, match="no checkpoint in .* can be read") as error:
        train(saved, resume=True)
    assert "ckpt-4" in str(error.value) and "ckpt-2" in str(error.value) and "--overwrite" in str(error.value)


def test_start_up_failure_leaves_no_run_directory(tmp_path):
    from Utils.errors import DataError

    out = tmp_path / "never"
    with pytest.raises(DataError):
        train(tiny_config(model="cogan", dataset="mnist2edge", data_dir=str(tmp_path / "no_tfds"), iterations=2,
                          out=str(out)))
    assert not out.exists()
