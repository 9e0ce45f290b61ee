"""The run configuration (Trainers/config.py) and presets (Trainers/presets/): layering, checks, config.json."""
import json
import subprocess
import sys

import pytest

from conftest import REPO
from Trainers import config, presets
from Utils.errors import ConfigError


def cli_config(*argv):
    """The configuration `train ARGV` resolves, through the real parser."""
    from Utils.commands import build_parser

    args = build_parser().parse_args(["train", *map(str, argv)])
    return args.resolve(args).config


def test_every_setting_has_one_unique_flat_name_help_and_a_default_that_passes_its_own_checks():
    names = [s.name for s in config.SETTINGS.values()]
    assert len(names) == len(set(names)) == len(config.SETTINGS)
    for s in config.SETTINGS.values():
        assert s.help and config.check_value(s.name, s.default) is None, s.name


def test_resolve_chooses_unset_values_from_the_rules():
    cfg = config.resolve({"model": "cogan", "penalty": "clip", "loss": "wasserstein"})
    assert (cfg.model.arch, cfg.data.image_size, cfg.model.disc_norm) == ("cogan32", 32, "none")
    assert (cfg.model.shared_layers, cfg.model.shared_disc_layers) == (4, 3)  # thesis Table 3.1/3.2
    assert (cfg.optimisation.optimizer, cfg.optimisation.lr) == ("rmsprop", 5e-5)  # WGAN's RMSProp
    assert cfg.output.out == "runs/cogan_digits2edge"


@pytest.mark.parametrize("given,message", [
    ({"batch_size": 0}, "--batch-size must be at least 1"),
    ({"loss": "wasserstien"}, "did you mean wasserstein"),
    ({"iterations": 2.5}, "--iterations must be a whole number"),
    ({"fr_image": 1}, "--fr-image must be true or false"),
    ({"fr_weight": 1.0, "model": "cogan"}, "--fr-weight couples SCoGAN"),
    ({"btach_size": 8}, "did you mean batch_size"),
    ({"first_convt": True, "arch": "dcgan"}, "--first-convt is Table 3.1's layer"),
])
def test_resolve_refuses_bad_values_by_flag(given, message):
    with pytest.raises(ConfigError, match=message):
        config.resolve(given)


def test_replicas_must_divide_the_global_batch_and_bfloat16_xla_gp_is_refused_on_a_cpu():
    cfg = config.resolve({"batch_size": 6})
    with pytest.raises(ConfigError, match="split evenly over the 4 replicas"):
        config.check_machine(cfg, config.Machine(replicas=4))
    risky = {"mixed_precision": True, "jit_compile": True, "loss": "wasserstein", "penalty": "gp"}
    with pytest.raises(ConfigError, match="Drop --jit-compile"):
        config.resolve(risky, machine=config.Machine(gpus=0))
    assert config.resolve(risky, machine=config.Machine(gpus=1)).engine.jit_compile  # float16 on GPUs compiles


def test_config_json_round_trips_grouped_with_its_schema_version(tmp_path):
    cfg = config.resolve({"model": "scogan", "fr_weight": 10, "folder": [], "width": 0.5}, preset="x")
    config.save(cfg, tmp_path)
    raw = json.loads((tmp_path / "config.json").read_text())
    assert raw["schema"] == config.SCHEMA_VERSION and raw["preset"] == "x"
    assert raw["couplings"]["fr_weight"] == 10.0 and raw["model"]["kind"] == "scogan"
    assert config.load(tmp_path) == cfg


def test_a_flat_config_json_from_before_the_schema_loads_with_defaults_for_what_it_lacks(tmp_path):
    (tmp_path / "config.json").write_text(json.dumps({"model": "cogan", "batch_size": 16, "resume": True,
                                                      "overwrite": False, "arch": "dcgan32"}))
    cfg = config.load(tmp_path)
    assert (cfg.model.kind, cfg.optimisation.batch_size, cfg.optimisation.lr) == ("cogan", 16, None)
    assert cfg.objective.loss == "non-saturating"


def test_a_preset_equals_the_same_run_given_as_flags_and_flags_override_it(tmp_path):
    run = ["--out", tmp_path / "r"]
    # MNIST need not be prepared here: the shipped preset on the embedded digits instead.
    preset_file = tmp_path / "fr.toml"
    preset_file.write_text((presets.FOLDER / "scogan-fr-mnist2edge.toml").read_text()
                           .replace('dataset = "mnist2edge"', 'dataset = "digits2edge"'))
    by_preset = cli_config("--preset", preset_file, "--iterations", 20, *run)
    by_flags = cli_config("--model", "scogan", "--dataset", "digits2edge", "--fr-weight", 10, "--fr-layers", 3,
                          "--fr-image", "--batch-size", 64, "--iterations", 20, "--seed", 1, "--mixed-precision",
                          "--sample-every", 250, "--checkpoint-every", 250, *run)
    assert by_preset.preset == "fr" and by_flags.preset is None
    assert config.to_flat(by_preset) == config.to_flat(by_flags)
    assert cli_config("--preset", preset_file, "--batch-size", 32, *run).optimisation.batch_size == 32
    assert not cli_config("--preset", preset_file, "--no-mixed-precision", *run).engine.mixed_precision


def test_every_shipped_preset_loads_with_a_source_and_the_measured_ones_resolve():
    """The thesis's presets are resolved and started by tests/test_reproduce.py, with the classifiers they need."""
    measured = {"cogan-mnist2edge", "scogan-fr-mnist2edge", "ring-k5", "quickstart"}
    assert measured <= set(presets.names())
    for name in presets.names():
        preset = presets.load(name)
        assert preset.source and preset.settings
        if name in measured:
            config.resolve(preset.settings, preset=name, origins=preset.origins, check_files=False)


@pytest.mark.parametrize("body,message", [
    ('source = "s"\n[optimisation]\nbatch_sise = 8\n', r"\[optimisation\] batch_sise: unknown key \(did you mean batch_size"),
    ('source = "s"\n[optimisation]\nbatch_size = "8"\n', r"\[optimisation\] batch_size must be a whole number"),
    ('source = "s"\n[objective]\nloss = "wgan"\n', r"\[objective\] loss must be one of"),
    ('source = "s"\n[optimisation]\nbatch_size = 0\n', r"\[optimisation\] batch_size must be at least 1"),
    ('source = "s"\n[couplings]\nfr_layers = 9\nfr_weight = 1.0\n', r"\[couplings\] fr_layers must be between 1 and 4"),
    ('source = "s"\n[optimiser]\nlr = 1e-3\n', r"unknown key 'optimiser' \(did you mean optimisation"),
    ('[model]\nkind = "gan"\n', "`source` is missing"),
    ('source = "s"\n[model\n', "not valid TOML"),
])
def test_a_bad_preset_exits_2_naming_file_and_key_before_tensorflow_loads(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    code = ("import sys; from Utils.commands import main\n"
            f"try: main(['train', '--preset', {str(path)!r}, '--out', {str(tmp_path / 'r')!r}])\n"
            "except SystemExit as exit: print('exit', exit.code, 'tensorflow' in sys.modules)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.stdout.strip() == "exit 2 False", proc.stderr
    assert str(path) in proc.stderr and "Traceback" not in proc.stderr
    assert __import__("re").search(message, proc.stderr), proc.stderr


def test_an_unknown_preset_name_suggests_the_closest():
    with pytest.raises(ConfigError, match="did you mean ring-k5"):
        presets.load("ring-k6")


def test_a_misspelled_choice_is_one_line_with_the_closest_names():
    proc = subprocess.run([sys.executable, str(REPO / "main.py"), "train", "--dataset", "mnist2edg"],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "scogan train: error: argument --dataset: invalid choice: 'mnist2edg' (did you mean mnist2edge, mnist, "
        "mnist2negative?); see scogan train --help"]


def test_presets_command_lists_and_shows_resolved():
    run = [sys.executable, str(REPO / "main.py"), "presets"]
    listed = subprocess.run(run, capture_output=True, text=True, cwd=REPO, timeout=60)
    assert listed.returncode == 0 and "ring-k5" in listed.stdout and "thesis section 2.3.2" in listed.stdout
    shown = subprocess.run(run + ["show", "ring-k5"], capture_output=True, text=True, cwd=REPO, timeout=60)
    body = json.loads(shown.stdout[shown.stdout.index("{"):])
    assert body["model"]["arch"] == "mlp" and body["objective"]["n_critic"] == 5 and body["preset"] == "ring-k5"


def test_a_config_json_naming_a_renamed_architecture_loads_under_its_new_name(tmp_path):
    """Runs made before the thesis's CoGAN nets were renamed (dcgan32 -> cogan32) record the old name, grouped or
    flat."""
    saved = config.to_json(config.resolve({"model": "cogan"}))
    saved["model"]["arch"] = "dcgan32"
    (tmp_path / "config.json").write_text(json.dumps(saved))
    assert config.load(tmp_path).model.arch == "cogan32"
    (tmp_path / "config.json").write_text(json.dumps({"model": "cogan", "arch": "dcgan128", "image_size": 128}))
    assert config.load(tmp_path).model.arch == "cogan128"


def test_a_misspelled_flag_suggests_the_subcommand_flag():
    proc = subprocess.run([sys.executable, str(REPO / "main.py"), "train", "--datset", "mnist"],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1
    assert "unrecognized arguments: --datset mnist (did you mean --dataset" in proc.stderr
