"""Bad configurations exit with code 2 and a clear message before any model (or TensorFlow) is built."""
import subprocess
import sys
import time

import pytest

from conftest import REPO


def scogan(*args, timeout=60):
    start = time.monotonic()
    proc = subprocess.run([sys.executable, str(REPO / "main.py"), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)
    return proc, time.monotonic() - start


@pytest.mark.parametrize("args,message", [
    (["--dataset", "svhn42"], "invalid choice: 'svhn42'"),
    (["--model", "cogan", "--shared-layers", "9"], "--shared-layers must be between 1 and 4, got 9"),
    (["--model", "gan", "--dataset", "digits", "--fr-weight", "10"], "--fr-weight couples SCoGAN"),
    (["--model", "gan", "--dataset", "digits2edge"], "--model gan trains one domain"),
    (["--model", "cogan", "--dataset", "digits"], "needs two domains"),
    (["--model", "scogan", "--shared-layers", "2"], "--shared-layers is for --model cogan"),
    (["--model", "scogan", "--fr-image"], "--fr-image is only used with --fr-weight"),
    (["--penalty", "clip"], "needs --loss wasserstein"),
    (["--batch-size", "0"], "--batch-size must be at least 1"),
    (["--dataset", "folder"], "--dataset folder needs --folder"),
    (["--resume", "--out", "/nonexistent/run"], "is not a run directory"),
])
def test_bad_flags_exit_2_with_a_message(args, message):
    proc, seconds = scogan("train", *args)
    assert proc.returncode == 2, proc.stderr
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_mnist_offline_fails_within_seconds_naming_the_fix(tmp_path):
    proc, seconds = scogan("train", "--model", "cogan", "--dataset", "mnist2edge", "--data-dir", str(tmp_path))
    assert proc.returncode == 2
    assert f"python main.py prepare-data mnist --from DIR --data-dir {tmp_path}" in proc.stderr
    assert seconds < 10


def test_validation_does_not_import_tensorflow():
    code = ("import sys; sys.argv=['main.py','train','--model','cogan','--shared-layers','9'];"
            "from Utils.commands import main\ntry: main()\nexcept SystemExit: pass\n"
            "print('tensorflow' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.stdout.strip().endswith("False")


def test_existing_run_is_not_overwritten_silently(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    proc, _ = scogan("train", "--out", str(tmp_path))
    assert proc.returncode == 2 and "--resume" in proc.stderr and "--overwrite" in proc.stderr


def test_overwrite_refuses_a_folder_that_is_not_a_run(tmp_path):
    (tmp_path / "thesis.tex").write_text("precious")
    proc, _ = scogan("train", "--out", str(tmp_path), "--overwrite")
    assert proc.returncode == 2 and (tmp_path / "thesis.tex").exists()


def test_a_run_started_with_overwrite_can_be_resumed(tmp_path):
    """--overwrite is what one command did to --out; the saved config must not make --resume contradict it."""
    import json

    from Utils.commands import build_parser

    # The flat config.json of the schema before grouping, which recorded --resume/--overwrite too.
    saved = {"model": "scogan", "dataset": "digits2edge", "fr_weight": 10.0, "overwrite": True, "resume": False,
             "arch": "dcgan32", "image_size": 32, "out": str(tmp_path)}
    (tmp_path / "config.json").write_text(json.dumps(saved))
    args = build_parser().parse_args(["train", "--out", str(tmp_path), "--resume", "--iterations", "7"])
    resolved = args.resolve(args)
    assert resolved.resume and not resolved.overwrite
    cfg = resolved.config
    assert (cfg.optimisation.iterations, cfg.couplings.fr_weight, cfg.data.dataset) == (7, 10.0, "digits2edge")


def test_every_subcommand_documents_its_flags():
    proc, _ = scogan("--help")
    for command in ("train", "sample", "export", "prepare-data", "lpips"):
        assert command in proc.stdout
    proc, _ = scogan("train", "--help")
    assert "(default: 64)" in proc.stdout and "(default: non-saturating)" in proc.stdout
