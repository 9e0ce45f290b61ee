"""reproduce: every thesis preset resolves and trains a step, the dry run lists each target's runs, a killed
reproduction resumes without redoing finished runs, and the table writer puts each number in its cell."""
import json
import re
from pathlib import Path

import pytest

from Trainers import config, presets
from Trainers.reproduce.plan import Options, make_plan
from Trainers.reproduce.report import collect_classifiers, render
from Trainers.reproduce.targets import (DIGIT_ROWS, G1_G2, G1_R1, G1_R2, G2_R1, G2_R2, TARGETS, ClassifierSpec, Run,
                                        Target, lpips_table)
from Utils.commands import main

THESIS_PRESETS = [name for name in presets.names() if re.match(r"(t\d|fig\d)", name)]


def _main(*args):
    """main()'s exit code, also when it exits through the parser (errors, interruptions)."""
    try:
        return main([str(a) for a in args])
    except SystemExit as exc:
        return exc.code


# ---- presets ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def classifier_file(tmp_path_factory):
    """An untrained Table B.1 classifier: the semantic loss only needs one that loads and fits the images."""
    from Nets.classifiers import build_digit_classifier

    path = tmp_path_factory.mktemp("classifier") / "digits.keras"
    build_digit_classifier(32).save(path)
    return path


def test_the_thesis_presets_cover_every_target_and_say_where_they_come_from():
    used = {run.preset for target in TARGETS.values() for run in target.runs}
    assert used <= set(THESIS_PRESETS)
    assert len(THESIS_PRESETS) >= 45
    for name in THESIS_PRESETS:
        preset = presets.load(name)
        assert preset.source.startswith("thesis section") and re.search(r"T\d+", preset.notes), name


@pytest.mark.parametrize("name", THESIS_PRESETS)
def test_every_thesis_preset_resolves(name):
    preset = presets.load(name)
    settings = dict(preset.settings)
    if settings.get("semantic_weight"):
        settings["classifier"] = __file__  # any existing file: what needs TensorFlow is checked when built
    cfg = config.resolve(settings, preset=name, origins=preset.origins, check_files=False)
    assert cfg.preset == name and cfg.optimisation.iterations == preset.settings["iterations"]


def test_table_5_1_presets_follow_section_5_1():
    """The protocol of T996 (the issue's list) with the lead's translations of the code: FR weight 10 over the
    code's three maps is 40 over our four, latent cycle consistency with the code's L1, one critic step."""
    for name in ("t5.1-cogan", "t5.1-fr", "t5.1-sl", "t5.1-cc", "t5.1-pl"):
        s = presets.load(name).settings
        assert (s["dataset"], s["init"], s["noise"], s["latent_dim"]) == ("mnist2edge", "xavier", "uniform", 100)
        assert (s["loss"], s["penalty"], s["gp_weight"], s["n_critic"]) == ("wasserstein", "gp", 10.0, 1)
        assert (s["lr"], s["beta1"], s["batch_size"], s["iterations"], s["weight_decay"]) == (2e-4, 0.5, 128, 20000,
                                                                                              5e-4)
        assert s["model"] == ("cogan" if name == "t5.1-cogan" else "scogan")
    fr = presets.load("t5.1-fr").settings
    assert (fr["fr_weight"], fr["fr_layers"], fr["fr_image"]) == (40.0, 3, True)
    assert presets.load("t5.1-cc").settings["cycle_norm"] == "l1"
    assert presets.load("t5.1-sl").settings["semantic_weight"] == 10.0
    pl = presets.load("t5.1-pl").settings
    assert (pl["content_weight"], pl["style_weight"], pl["perceptual_backbone"]) == (0.001, 1e-13, "vgg19-keras")


def _offline_twin(name):
    """The preset's dataset made available offline: MNIST pairs by their embedded-digits twin, the ring as is;
    None for data a test machine lacks (SVHN, CelebA, CycleGAN sets)."""
    dataset = presets.load(name).settings["dataset"]
    if dataset == "ring":
        return dataset
    if dataset.startswith("mnist2") and "svhn" not in dataset:
        return dataset.replace("mnist", "digits")
    return None


@pytest.fixture(scope="module")
def vgg19_weights(tmp_path_factory):
    """Random VGG19 weights in Keras's .h5 layout: the perceptual presets build the thesis's VGG19 from a file."""
    import keras

    path = tmp_path_factory.mktemp("vgg") / "vgg19.weights.h5"
    keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3)).save_weights(path)
    return path


@pytest.mark.parametrize("name", THESIS_PRESETS)
def test_every_thesis_preset_trains_a_step(name, tmp_path, classifier_file, request):
    dataset = _offline_twin(name)
    if dataset is None:
        pytest.skip(f"{presets.load(name).settings['dataset']} is not available offline")
    from Trainers.loop import train

    s = presets.load(name).settings
    settings = dict(dataset=dataset, iterations=1, batch_size=8, out=str(tmp_path / "run"), quiet=True,
                    checkpoint_every=1, sample_every=1, sample_count=8)
    if dataset != "ring":
        settings["width"] = 1 / 8
    if s.get("semantic_weight"):
        settings["classifier"] = str(classifier_file)
    if s.get("content_weight"):
        settings["perceptual_weights"] = str(request.getfixturevalue("vgg19_weights"))
    train(presets.configure(name, **settings))
    assert (tmp_path / "run" / "checkpoints" / "ckpt-1.index").is_file()


# ---- the CLI: list, dry run, data checks ----------------------------------------------------------------------
def test_list_shows_every_target_with_its_runs(capsys):
    assert _main("reproduce", "--list") == 0
    out = capsys.readouterr().out
    for target in TARGETS.values():
        assert target.name in out and all(run.name in out for run in target.runs)


@pytest.mark.parametrize("name", list(TARGETS))
def test_every_target_dry_runs_offline(name, tmp_path, capsys):
    assert _main("reproduce", name, "--dry-run", "--out", tmp_path / "r", "--data-dir", tmp_path / "empty") == 0
    out = capsys.readouterr().out
    for run in TARGETS[name].runs:
        assert (f"--out {tmp_path / 'r' / run.name}" in out) or run.unsupported
    assert not (tmp_path / "r").exists()


def test_dry_run_lists_table_5_1s_classifiers_runs_and_evaluations(tmp_path, capsys):
    out_dir = tmp_path / "r"
    assert _main("reproduce", "table-5.1", "--dry-run", "--scale", "0.001", "--seeds", "2", "--out", out_dir) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if not line.startswith("# ")]
    trains = [line for line in lines if line.startswith("python main.py train ")]
    names = ["t5.1-cogan", "t5.1-fr", "t5.1-sl", "t5.1-cc", "t5.1-pl"]
    assert [re.search(r"--preset (\S+)", line).group(1) for line in trains] == [n for n in names for _ in (0, 1)]
    # 20,000 iterations at scale 0.001 are 20; checkpoints and samples every 5 still leave 4 of each
    assert all("--iterations 20 --checkpoint-every 5 --sample-every 5" in line for line in trains)
    assert f"--out {out_dir / 't5.1-cc-seed1'}" in trains[7] and "--seed 1" in trains[7]
    assert f"--classifier {out_dir / 'classifiers' / 'mnist.keras'}" in trains[4]
    evaluations = [line for line in lines if line.startswith("python main.py evaluate ")]
    assert len(evaluations) == 10 and all("--n 30000" in line and "mnist2edge.keras" in line for line in evaluations)
    classifiers = [line for line in lines if line.startswith("python main.py train-classifier ")]
    assert sorted(re.search(r"--dataset (\S+) --domains (\S+) --epochs 1", line).groups() for line in classifiers) == [
        ("mnist", "1"), ("mnist2edge", "both")]


def test_unprepared_data_fails_at_once_naming_prepare_data(tmp_path, capsys):
    assert _main("reproduce", "table-5.1", "--out", tmp_path / "r", "--data-dir", tmp_path / "empty") == 2
    err = capsys.readouterr().err
    assert "python main.py prepare-data mnist --from DIR" in err and not (tmp_path / "r").exists()


@pytest.mark.parametrize("args, message", [
    (("table-9",), "no target 'table-9'"),
    (("table-5.1", "--set", "widht=0.5"), "did you mean width"),
    (("table-5.1", "--set", "width=wide"), "must be a number"),
    (("table-5.1", "--set", "out=x"), "give --out"),
    (("table-5.1", "--scale", "0"), "--scale must be positive"),
])
def test_bad_arguments_exit_2(args, message, tmp_path, capsys):
    assert _main("reproduce", *args, "--dry-run", "--out", tmp_path) == 2
    assert message in capsys.readouterr().err


# ---- running a target: skip, resume ----------------------------------------------------------------------------
def _write_preset(path, kind, couplings=""):
    path.write_text(f'source = "test: a tiny {kind} on the embedded digits"\n[data]\ndataset = "digits2edge"\n'
                    f'[model]\nkind = "{kind}"\nwidth = 0.125\n{couplings}[optimisation]\nbatch_size = 8\n'
                    f'iterations = 2\n')
    return str(path)


@pytest.fixture
def tiny_target(tmp_path, monkeypatch):
    """A two-run target on the embedded digits with a one-epoch measuring classifier, registered for the CLI."""
    measuring = ClassifierSpec("digits2edge", "digits2edge", "both", "the test's pair measures", epochs=1)
    runs = (Run("cogan", _write_preset(tmp_path / "cogan.toml", "cogan"), pairs=16, baseline=0.2,
                eval_classifier=measuring),
            Run("fr", _write_preset(tmp_path / "fr.toml", "scogan", "[couplings]\nfr_weight = 1.0\n"), pairs=16,
                baseline=0.2, eval_classifier=measuring))
    target = Target("tiny", "Tiny", "a test target", runs,
                    lpips_table(DIGIT_ROWS, (("CoGAN", "cogan", (0.1, 0.2, 0.3)), ("FR", "fr", None))), "a figure")
    monkeypatch.setitem(TARGETS, "tiny", target)
    return tmp_path / "out"


def test_a_killed_reproduction_resumes_and_skips_what_is_finished(tiny_target, monkeypatch):
    import Trainers.loop
    import Trainers.measurement

    real_train, real_measure, calls = Trainers.loop.train, Trainers.measurement.measure, []

    def killed_in_the_second_run(cfg, resume=False, replace=False):
        """Train the second run only to its first checkpoint, as a kill after it would leave it."""
        calls.append((Path(cfg.output.out).name, resume))
        if calls[-1] == ("fr", False):
            cfg = config.with_overrides(cfg, iterations=1)
        return real_train(cfg, resume=resume, replace=replace)

    def counted_measure(m):
        calls.append(("measure " + Path(m.source).name, None))
        return real_measure(m)

    monkeypatch.setattr(Trainers.loop, "train", killed_in_the_second_run)
    monkeypatch.setattr(Trainers.measurement, "measure", counted_measure)
    args = ("reproduce", "tiny", "--out", tiny_target, "--quiet")
    assert _main(*args) == 130
    assert calls == [("cogan", False), ("measure cogan", None), ("fr", False)]
    steps = lambda run: sorted(p.name for p in (tiny_target / run / "checkpoints").glob("ckpt-*.index"))
    assert steps("cogan") == ["ckpt-1.index", "ckpt-2.index"] and steps("fr") == ["ckpt-1.index"]
    finished = {p: p.stat().st_mtime_ns for p in (tiny_target / "cogan" / "checkpoints" / "ckpt-2.index",
                                                   tiny_target / "cogan" / "evaluation" / "evaluation.json",
                                                   tiny_target / "figures" / "cogan.png")}

    calls.clear()
    assert _main(*args) == 0
    assert calls == [("fr", True), ("measure fr", None)]  # the finished run is neither trained nor measured again
    assert {p: p.stat().st_mtime_ns for p in finished} == finished
    assert "ckpt-2.index" in steps("fr")
    assert json.loads((tiny_target / "fr" / "config.json").read_text())["optimisation"]["iterations"] == 2
    report = (tiny_target / "tiny.md").read_text()
    assert "| to do |" not in report and report.count("| finished |") == 2
    assert "![cogan](figures/cogan.png)" in report and (tiny_target / "figures" / "fr.png").is_file()

    calls.clear()
    assert _main(*args) == 0 and calls == []  # a third time: nothing new


def test_a_run_started_with_other_settings_is_refused(tiny_target, capsys):
    args = ("reproduce", "tiny", "--out", tiny_target, "--quiet", "--pairs", 4, "--set", "iterations=1")
    assert _main(*args) == 0
    assert _main(*args, "--set", "lr=0.001") == 2
    assert "holds a run that" in capsys.readouterr().err


# ---- the table writer ----------------------------------------------------------------------------------------
def _record(run, seed=0, measures=None, state="finished", **extra):
    record = {"label": run if seed == 0 else f"{run} seed {seed}", "seed": seed, "preset": run,
              "dataset": "mnist2edge", "directory": f"out/{run}", "state": state, "iterations": 20,
              "thesis_iterations": 20000, "baseline": 0.1627, "train_seconds": 125.0, "eval_seconds": 30.0,
              "measures": {k: {"mean": m, "se": se} for k, (m, se) in (measures or {}).items()},
              "classifier": None, "figure": f"figures/{run}.png" if seed == 0 else None}
    record.update(extra)
    return record


def _cells(markdown):
    """{(row label, column header): cell} of the first markdown table."""
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    table = {}
    for line in lines[2:]:
        if not line.startswith("| ") or line.startswith("| ---"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        table.update({(cells[0], h): c for h, c in zip(header[1:], cells[1:])})
    return table


def test_the_table_writer_puts_each_number_in_its_cell():
    target = TARGETS["table-5.1"]
    results = {
        "t5.1-cogan": [_record("t5.1-cogan", measures={G1_G2: (0.11, 0.001), G1_R1: (0.12, 0.002),
                                                        G2_R2: (0.13, 0.003), "real_1_vs_real_2": (0.1620, 0.0004)})],
        "t5.1-fr": [_record("t5.1-fr", 0, {G1_G2: (0.11, 0.001)}), _record("t5.1-fr", 1, {G1_G2: (0.12, 0.002)})],
        "t5.1-sl": [_record("t5.1-sl", state="interrupted at step 10")],
        "t5.1-cc": [_record("t5.1-cc", state="new")],
        "t5.1-pl": [_record("t5.1-pl", state="not run", reason="VGG19 ImageNet weights not found")],
    }
    markdown = render(target, results, Options(Path("out"), scale=0.001, seeds=2))
    cells = _cells(markdown)
    assert cells["Gen. MNIST vs Gen. edge", "CoGAN thesis"] == "0.1026"
    assert cells["Gen. MNIST vs Gen. edge", "CoGAN ours"] == "0.1100 ± 0.0010"
    assert cells["Gen. MNIST vs Real MNIST", "CoGAN ours"] == "0.1200 ± 0.0020"
    assert cells["Gen. edge vs Real edge", "CoGAN thesis"] == "0.1157"
    assert cells["Gen. edge vs Real edge", "CoGAN ours"] == "0.1300 ± 0.0030"
    # two seeds: mean 0.115, within-run s.e. sqrt((0.001^2 + 0.002^2) / 2), s.d. of the means 0.01 / sqrt(2)
    assert cells["Gen. MNIST vs Gen. edge", "FR ours"] == "0.1150 ± 0.0016 (s.d. 0.0071 over 2 seeds)"
    assert cells["Gen. MNIST vs Gen. edge", "FR thesis"] == "0.1227"
    assert cells["Gen. MNIST vs Real MNIST", "FR ours"] == "to do"
    assert cells["Gen. MNIST vs Gen. edge", "SL ours"] == "to do"
    assert cells["Gen. MNIST vs Gen. edge", "PL ours"] == "not run"
    assert "- mnist2edge, real domain 1 vs real domain 2: thesis 0.1627, ours 0.1620 ± 0.0004" in markdown
    assert "| t5.1-cogan | t5.1-cogan | 20 (20,000) | finished | 2 min 05 s | 30 s | out/t5.1-cogan |" in markdown
    assert "- t5.1-pl: not run: VGG19 ImageNet weights not found" in markdown
    assert "Scale 0.001: iterations 20 of 20,000; 2 seeds" in markdown
    assert "![t5.1-cogan](figures/t5.1-cogan.png)" in markdown


def test_tables_3_x_put_each_generator_against_each_real_domain():
    target = TARGETS["table-3.3"]
    run = target.runs[0].name
    results = {run: [_record(run, dataset="horse2zebra", measures={G1_R1: (0.5, 0.01), G1_R2: (0.6, 0.01),
                                                                   G2_R1: (0.7, 0.01), G2_R2: (0.8, 0.01)})]}
    cells = _cells(render(target, results, Options(Path("out"))))
    assert cells["Gen. horses", "Real horses thesis"] == "0.7792" and cells["Gen. horses", "Real horses ours"] == (
        "0.5000 ± 0.0100")
    assert cells["Gen. horses", "Real zebras thesis"] == "0.8185" and cells["Gen. horses", "Real zebras ours"] == (
        "0.6000 ± 0.0100")
    assert cells["Gen. zebras", "Real horses ours"] == "0.7000 ± 0.0100"
    assert cells["Gen. zebras", "Real zebras thesis"] == "0.7546" and cells["Gen. zebras", "Real zebras ours"] == (
        "0.8000 ± 0.0100")


def test_the_ring_figures_count_modes():
    target = TARGETS["fig-2.11"]
    run = target.runs[0].name
    results = {run: [_record(run, dataset="ring", measures={"modes": (7, None), "on_mode_share": (0.8123, None)})]}
    cells = _cells(render(target, results, Options(Path("out"))))
    assert cells["modes covered, of 10", "final thesis"] == "6"
    assert cells["modes covered, of 10", "final ours"] == "7"
    assert cells["share of points on a mode", "final ours"] == "0.8123"


def test_the_scale_shortens_runs_and_classifiers_but_not_the_pairs(tmp_path):
    plan = make_plan(TARGETS["table-5.1"], Options(tmp_path, scale=0.15))
    assert {job.iterations for job in plan.runs} == {3000} and {job.run.pairs for job in plan.runs} == {30000}
    assert {job.settings["checkpoint_every"] for job in plan.runs} == {750}  # a quarter of the run, under 1,000
    assert "sample_every" not in plan.runs[0].settings  # the default 500 already gives at least four
    assert {job.epochs for job in plan.classifiers} == {2}  # 10 epochs x 0.15, rounded
    full = make_plan(TARGETS["table-5.1"], Options(tmp_path))
    assert {job.iterations for job in full.runs} == {20000} and "checkpoint_every" not in full.runs[0].settings


def test_a_perceptual_backbone_goes_to_the_perceptual_runs_only_and_the_table_says_so(tmp_path):
    options = Options(tmp_path, scale=0.001, perceptual_backbone="vgg16-torchvision")
    plan = make_plan(TARGETS["table-5.1"], options)
    backbones = {job.run.name: job.settings.get("perceptual_backbone") for job in plan.runs}
    assert backbones == {"t5.1-cogan": None, "t5.1-fr": None, "t5.1-sl": None, "t5.1-cc": None,
                         "t5.1-pl": "vgg16-torchvision"}
    pl = next(job for job in plan.runs if job.run.name == "t5.1-pl")
    assert "--perceptual-backbone vgg16-torchvision" in pl.train_command()
    assert options.command("table-5.1").endswith("--scale 0.001 --perceptual-backbone vgg16-torchvision")
    markdown = render(plan.target, {}, options)
    assert "The perceptual-loss runs use vgg16-torchvision (the thesis: vgg19-keras, its VGG19), a stand-in." in markdown


def test_a_classifier_from_a_smaller_scale_is_kept_and_shown_with_its_epochs(tmp_path):
    small = make_plan(TARGETS["table-5.1"], Options(tmp_path, scale=0.02))
    job = next(job for job in small.classifiers if job.spec.name == "mnist")
    job.path.parent.mkdir(parents=True)
    job.path.write_bytes(b"")  # what reproduce checks for is the file; its sidecar says how it was trained
    job.path.with_suffix(".json").write_text(json.dumps({"epochs": 1, "held_out_accuracy": 0.9813, "seconds": 92.5}))
    assert job.status() == "done"

    larger = make_plan(TARGETS["table-5.1"], Options(tmp_path, scale=0.15))  # plans 2 epochs
    kept = next(job for job in larger.classifiers if job.spec.name == "mnist")
    assert kept.done and kept.status().startswith("done with 1 epoch(s), fewer than the 2 planned")
    assert (kept.command(larger.options), kept.status()) in larger.lines()

    row = next(c for c in collect_classifiers(larger) if c["name"] == "mnist")
    markdown = render(larger.target, {}, larger.options, [row])
    assert (f"| mnist | {kept.spec.purpose} | 1 (2; 10) | 0.9813 | 1 min 32 s | {kept.path} |") in markdown
    untrained = next(c for c in collect_classifiers(larger) if c["name"] == "mnist2edge")
    assert "| — (2; 10) | to do | — |" in render(larger.target, {}, larger.options, [untrained])


def test_the_svhn_classifiers_hold_out_a_seeded_fifth_and_mix_in_mnist(tmp_path, monkeypatch):
    import numpy as np
    from scipy.io import savemat

    import Data.labelled
    from Data.svhn import prepare_svhn
    from Trainers.classifiers import digit_classifier_data

    (tmp_path / "raw").mkdir()
    images = np.random.default_rng(0).integers(0, 256, (32, 32, 3, 10), dtype=np.uint8)
    savemat(tmp_path / "raw" / "train_32x32.mat", {"X": images, "y": np.arange(1, 11).reshape(-1, 1)})  # 10 is 0
    prepare_svhn(tmp_path / "raw", tmp_path / "data")
    train, test = (digit_classifier_data("svhn", "1", split, str(tmp_path / "data")) for split in ("train", "test"))
    assert train[0].shape == (8, 32, 32, 3) and test[0].shape == (2, 32, 32, 3)
    assert sorted(np.concatenate([train[1], test[1]]).tolist()) == list(range(10))  # disjoint and complete
    first = (int(test[1][0]) - 1) % 10  # image i of the .mat file shows digit (i + 1) % 10
    assert np.allclose(test[0][0] * 255.0, np.moveaxis(images, -1, 0)[first])  # [0, 1], its own label

    real_labelled = Data.labelled.labelled_domains
    monkeypatch.setattr(Data.labelled, "labelled_domains",  # MNIST's stand-in: the embedded digits
                        lambda name, split, data_dir=None, seed=0: real_labelled("digits", split, seed=seed))
    digits = real_labelled("digits", "test")[0]
    mixed = digit_classifier_data("mnist+svhn", "both", "test", str(tmp_path / "data"))
    assert mixed[0].shape == (len(digits[1]) + 2, 32, 32, 3)  # the grey digits made RGB, then SVHN's hold-out
    assert np.array_equal(mixed[1], np.concatenate([digits[1], test[1]]))
