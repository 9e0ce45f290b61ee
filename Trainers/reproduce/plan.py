"""A reproduction's plan: the classifiers, runs, evaluations and figures a target needs under --out, what each
has left to do on disk, and the CLI command each stands for.

Only the presets and the filesystem are read (no TensorFlow), so `reproduce --list` and `--dry-run` work on any
machine, and a finished job is recognised by its files: a classifier by its .keras file, a run by its final
checkpoint (checkpoints/ckpt-<iterations>.index), an evaluation by its evaluation.json.
"""
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple

from Data.catalog import DATASETS, default_data_dir, prepare_hint, prepared, pruned_indices_path
from Trainers import config, presets
from Trainers.reproduce.targets import SVHN_PRUNING, ClassifierSpec, Run, Target
from Utils.errors import ConfigError

CLASSIFIERS_DIR = "classifiers"
FIGURES_DIR = "figures"
FIGURE_PAIRS = 8  # the thesis's sample figures: 8 latent vectors in a 4x4 grid (T699, the code's sample_images)
RING_POINTS = 3000  # the thesis code's ring plots drew 3,000 points
STATE_FILE = "reproduce.json"  # in a run directory: the wall time reproduce spent training it
# The datasets train-classifier takes; reproduce trains the SVHN and mixed MNIST+SVHN classifiers itself.
DIGIT_DATASETS = {name for name, spec in DATASETS.items() if spec.source in ("mnist", "digits")}
# Paths reproduce itself derives under --out (or the user passes): a run keeps the ones it started with.
DERIVED_PATHS = ("out", "classifier", "svhn_classifier", "perceptual_weights")


@dataclass(frozen=True)
class Options:
    out: Path
    data_dir: Optional[str] = None  # None: the presets' (the tensorflow-datasets default)
    scale: float = 1.0  # multiplies every run's iterations (and the classifiers' epochs)
    seeds: int = 1
    pairs: Optional[int] = None  # replaces the thesis's pair counts (quick looks, tests)
    settings: Mapping[str, Any] = field(default_factory=dict)  # flat settings over every run's preset
    perceptual_weights: Optional[str] = None  # VGG19 weights for the perceptual-loss runs
    net: str = "alex"  # LPIPS trunk: the PerceptualSimilarity default the thesis used (T657-T669)
    lpips_weights: Optional[str] = None
    quiet: bool = False
    perceptual_backbone: Optional[str] = None  # for the perceptual-loss runs; None: the presets' (the thesis's VGG19)

    @property
    def data(self):
        return self.data_dir or default_data_dir()

    def command(self, target):
        """The `reproduce` command line these options stand for."""
        words = [f"python main.py reproduce {target} --out {self.out}"]
        for flag, value, default in (("--data-dir", self.data_dir, None), ("--scale", self.scale, 1.0),
                                     ("--seeds", self.seeds, 1), ("--pairs", self.pairs, None),
                                     ("--perceptual-backbone", self.perceptual_backbone, None),
                                     ("--perceptual-weights", self.perceptual_weights, None),
                                     ("--net", self.net, "alex"), ("--lpips-weights", self.lpips_weights, None)):
            if value != default:
                words.append(f"{flag} {value:g}" if isinstance(value, float) else f"{flag} {value}")
        words += [f"--set {name}={value}" for name, value in self.settings.items()]
        return " ".join(words)


def _flags(settings):
    """`--name value` for each flat setting, as `train` takes it."""
    words = []
    for name, value in settings.items():
        if isinstance(value, bool):
            words.append(config.flag(name) if value else "--no-" + config.flag(name)[2:])
        elif isinstance(value, (list, tuple)):
            words += [w for v in value for w in (config.flag(name), str(v))]
        else:
            words += [config.flag(name), str(value)]
    return " ".join(words)


def _needs(dataset):
    """The prepared data a dataset or classifier dataset reads."""
    if dataset in DATASETS:
        return DATASETS[dataset].needs
    return {"svhn": ("svhn",), "mnist+svhn": ("mnist", "svhn")}[dataset]


@dataclass(frozen=True)
class ClassifierJob:
    spec: ClassifierSpec
    path: Path
    epochs: int

    @property
    def done(self):
        return self.path.is_file()

    def record(self):
        """What its sidecar says of the trained classifier ({} before it is trained)."""
        sidecar = self.path.with_suffix(".json")  # Nets.classifiers.sidecar_path, named here without Keras
        return json.loads(sidecar.read_text()) if self.done and sidecar.is_file() else {}

    def status(self):
        """'to do', 'done', or 'done with N epochs' when an earlier, smaller --scale trained it for fewer epochs
        than this plan asks (it is kept: runs already trained against it)."""
        if not self.done:
            return "to do"
        epochs = self.record().get("epochs")
        if epochs is not None and epochs < self.epochs:
            return (f"done with {epochs} epoch(s), fewer than the {self.epochs} planned; it is kept, as runs may have "
                    f"used it: delete {self.path} before any run to train it afresh")
        return "done"

    def command(self, options):
        if self.spec.dataset not in DIGIT_DATASETS:  # SVHN and the mixed set: reproduce trains them itself
            return (f"# train {self.path}: Table B.1 on {self.spec.dataset}, {self.epochs} epoch(s) "
                    f"(no CLI command yet; reproduce trains it)")
        data = f" --data-dir {options.data_dir}" if options.data_dir else ""
        return (f"python main.py train-classifier --dataset {self.spec.dataset} --domains {self.spec.domains} "
                f"--epochs {self.epochs} --out {self.path}{data}")


@dataclass(frozen=True)
class PruneJob:
    """Pruning SVHN with the SVHN classifier (T546), cached in the data directory."""

    classifier: Path

    def done(self, options):
        return self.classifier.is_file() and pruned_indices_path(options.data, str(self.classifier)).is_file()

    def command(self, options):
        return f"python main.py prepare-data svhn_pruned --classifier {self.classifier} --data-dir {options.data}"


def checkpoint_steps(directory):
    """The steps of the checkpoints in a run directory."""
    return sorted(int(m.group(1)) for p in (Path(directory) / "checkpoints").glob("ckpt-*.index")
                  if (m := re.fullmatch(r"ckpt-(\d+)\.index", p.name)))


@dataclass(frozen=True)
class RunJob:
    run: Run
    seed: int  # 0 for the first seed; the run's own seed is the preset's plus this
    directory: Path
    thesis_iterations: int  # the preset's
    settings: Dict[str, Any]  # flat settings over the preset, as `train --preset P` flags
    iterations: int
    dataset: str
    eval_classifier: Optional[Path] = None
    figure: Optional[Path] = None

    @property
    def label(self):
        return self.run.name if self.seed == 0 else f"{self.run.name} seed {self.seed}"

    @property
    def points(self):
        """Whether the run makes 2D points (the ring) rather than images."""
        return DATASETS[self.dataset].sizes is None

    @property
    def finished(self):
        return self.iterations in checkpoint_steps(self.directory)

    @property
    def started(self):
        return (self.directory / "config.json").is_file()

    def state(self):
        """'finished', 'interrupted at step N', 'started' (no checkpoint yet) or 'new'; raises when the run holds
        more iterations than planned (a larger --scale made it)."""
        steps = checkpoint_steps(self.directory)
        if self.iterations in steps:
            return "finished"
        if steps and steps[-1] > self.iterations:
            raise ConfigError(f"{self.directory} was trained to {steps[-1]} iterations, more than the "
                              f"{self.iterations} planned at this --scale; use another --out or a --scale that gives "
                              f"at least {steps[-1]} iterations")
        if steps:
            return f"interrupted at step {steps[-1]}"
        return "started" if self.started else "new"

    def train_command(self):
        """`train --preset`, or `train --resume` for a run started and not finished."""
        if self.started and not self.finished:
            resumable = {k: v for k, v in self.settings.items() if k in config.RESUMABLE and k != "out"}
            return f"python main.py train --out {self.directory} --resume {_flags(resumable)}".rstrip()
        settings = {k: v for k, v in self.settings.items() if k != "out"}
        return f"python main.py train --preset {self.run.preset} --out {self.directory} {_flags(settings)}".rstrip()

    def evaluate_command(self, options):
        if self.points:
            return (f"python main.py sample {self.directory} --n {RING_POINTS} --seed 0 "
                    f"--out {self.figure.with_suffix('')}")
        words = [f"python main.py evaluate {self.directory} --n {options.pairs or self.run.pairs}"]
        if self.eval_classifier:
            words.append(f"--classifier {self.eval_classifier}")
        if options.net != "alex":
            words.append(f"--net {options.net}")
        if options.lpips_weights:
            words.append(f"--lpips-weights {options.lpips_weights}")
        if self.run.cross:
            words.append("# and G1, G2 against the other domain's real images (reproduce measures these too)")
        return " ".join(words)

    @property
    def evaluation(self):
        return self.directory / "evaluation" / "evaluation.json"

    def evaluated(self, options):
        """Whether evaluation.json measures this run's final checkpoint as planned (pairs, net, classifier)."""
        if self.points:
            return self.evaluation.with_name("modes.json").is_file() and self.figure.is_file()
        if not self.evaluation.is_file():
            return False
        summary = json.loads(self.evaluation.read_text())
        clf = summary.get("classifier")
        return (str(summary.get("checkpoint", "")).endswith(f"ckpt-{self.iterations}")
                and summary["n"] == (options.pairs or self.run.pairs) and summary["net"] == options.net
                and (clf["path"] if clf else None) == (str(self.eval_classifier) if self.eval_classifier else None)
                and (not self.run.cross or "lpips_cross" in summary))


@dataclass(frozen=True)
class Plan:
    target: Target
    options: Options
    classifiers: Tuple[ClassifierJob, ...]
    prune: Optional[PruneJob]
    runs: Tuple[RunJob, ...]

    def unprepared(self):
        """The first missing prepared data and the prepare-data command that makes it, or None."""
        datasets = [job.dataset for job in self.runs if not job.run.unsupported]
        datasets += [job.spec.dataset for job in self.classifiers]
        for dataset in datasets:
            for need in _needs(dataset):
                if prepared(need, self.options.data) is None:
                    return f"{self.target.name} needs {need}: " + prepare_hint(need, self.options.data)
        return None

    def lines(self):
        """Every command the plan stands for, each with what is left to do."""
        o = self.options
        out = []
        for job in self.classifiers:
            out.append((job.command(o), job.status()))
        if self.prune:
            out.append((self.prune.command(o), "done" if self.prune.done(o) else "to do"))
        for job in self.runs:
            if job.run.unsupported:
                out.append((f"# {job.label}: not run, {job.run.unsupported}", ""))
                continue
            state = job.state()
            out.append((job.train_command(), "done" if state == "finished" else state))
            measured = job.finished and job.evaluated(o)
            out.append((job.evaluate_command(o), "done" if measured else "to do"))
            if not job.points and job.seed == 0:
                done = job.finished and job.figure.is_file()
                out.append((f"# figure {job.figure}: {FIGURE_PAIRS} pairs from the final checkpoint, seed 0, rows 1-2 "
                            f"domain 1, rows 3-4 domain 2", "done" if done else "to do"))
        return out


def _scaled(value, scale):
    return max(1, int(round(value * scale)))


def _run_settings(run, seed, directory, preset, options, classifiers_dir):
    """The flat settings of one run over its preset: the scaled length, intervals that still save at least four
    checkpoints and samples, the seed, the classifier files, the data directory and the user's settings."""
    default = {name: config.SETTINGS[name].default for name in ("iterations", "checkpoint_every", "sample_every",
                                                                "seed")}
    own = {**default, **preset.settings}
    iterations = _scaled(own["iterations"], options.scale)
    quarter = max(1, math.ceil(iterations / 4))
    settings = {"iterations": iterations,
                "checkpoint_every": min(own["checkpoint_every"], quarter),
                "sample_every": min(own["sample_every"], quarter)}
    settings = {k: v for k, v in settings.items() if v != own[k]}
    if seed:
        settings["seed"] = own["seed"] + seed
    if options.data_dir:
        settings["data_dir"] = options.data_dir
    if run.semantic_classifier:
        settings["classifier"] = str(classifiers_dir / f"{run.semantic_classifier.name}.keras")
    dataset = options.settings.get("dataset", preset.settings.get("dataset", config.SETTINGS["dataset"].default))
    if DATASETS[dataset].pruned:
        settings["svhn_classifier"] = str(classifiers_dir / "svhn.keras")
    if preset.settings.get("content_weight") or preset.settings.get("style_weight"):
        for name in ("perceptual_backbone", "perceptual_weights"):
            if getattr(options, name):
                settings[name] = getattr(options, name)
    if options.quiet:
        settings["quiet"] = True
    settings.update(options.settings)
    settings["out"] = str(directory)
    return settings, settings.get("iterations", own["iterations"]), own["iterations"], dataset


def make_plan(target: Target, options: Options) -> Plan:
    out = Path(options.out)
    classifiers_dir = out / CLASSIFIERS_DIR
    specs, runs, prune = {}, [], None
    for run in target.runs:
        preset = presets.load(run.preset)
        for seed in range(options.seeds):
            directory = out / (run.name if seed == 0 else f"{run.name}-seed{seed}")
            settings, iterations, thesis_iterations, dataset = _run_settings(run, seed, directory, preset, options,
                                                                             classifiers_dir)
            eval_classifier = run.eval_classifier
            if not run.unsupported:
                for spec in (run.semantic_classifier, eval_classifier):
                    if spec:
                        specs[spec.name] = spec
                if DATASETS[dataset].pruned:
                    specs[SVHN_PRUNING.name] = SVHN_PRUNING
                    prune = PruneJob(classifiers_dir / f"{SVHN_PRUNING.name}.keras")
            figure = out / FIGURES_DIR / f"{directory.name}.png"
            runs.append(RunJob(run, seed, directory, thesis_iterations, settings, iterations, dataset,
                               classifiers_dir / f"{eval_classifier.name}.keras" if eval_classifier else None, figure))
    classifiers = tuple(ClassifierJob(spec, classifiers_dir / f"{spec.name}.keras", _scaled(spec.epochs, options.scale))
                        for spec in specs.values())
    return Plan(target, options, classifiers, prune, tuple(runs))


def read_state(directory):
    """{train_seconds, sessions} that reproduce recorded for a run directory."""
    path = Path(directory) / STATE_FILE
    return json.loads(path.read_text()) if path.is_file() else {"train_seconds": 0.0, "sessions": 0}
