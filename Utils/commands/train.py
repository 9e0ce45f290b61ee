"""`train`: fit a GAN, CoGAN or SCoGAN. Its flags are the run configuration's fields (Trainers/config.py); every
configuration error is caught here, before TensorFlow loads."""
import argparse
from pathlib import Path
from typing import Tuple

from Trainers import config, presets
from Utils.errors import ConfigError

GROUP_TITLES = {
    "data": "data", "model": "model", "objective": "objective",
    "couplings": "couplings (SCoGAN; each is on when its weight is positive)", "optimisation": "optimisation",
    "engine": "engine (determinism, steps per call, precision, devices)", "output": "output",
}


def _flag_kwargs(s):
    """argparse keywords for setting `s`: its type, choices and help with the default."""
    kwargs = {"default": None, "help": f"{s.help} (default: {s.default})"}
    if s.base is bool:
        kwargs["action"] = argparse.BooleanOptionalAction
    elif s.base == Tuple[str, ...]:
        kwargs["action"] = "append"
    else:
        kwargs["type"] = s.base
    if s.choices is not None:
        kwargs["choices"] = s.choices
        if len(s.choices) > 12:
            kwargs["metavar"] = "NAME"
    return kwargs


def add_parser(subparsers):
    p = subparsers.add_parser(
        "train", help="train a GAN, CoGAN or SCoGAN",
        description="Train a GAN, CoGAN or SCoGAN; outputs go to --out. Settings come from the defaults, then "
                    "--preset, then the flags given.")
    run_group = p.add_argument_group("run")
    run_group.add_argument("--preset", default=None, metavar="NAME_OR_FILE",
                           help="start from a preset: a shipped name (`python main.py presets` lists them) or a "
                                ".toml file; flags given override it")
    run_group.add_argument("--resume", action="store_true", help="continue the run in --out from its last checkpoint")
    run_group.add_argument("--overwrite", action="store_true", help="replace an existing run in --out")
    groups = {name: p.add_argument_group(title) for name, title in GROUP_TITLES.items()}
    for s in config.SETTINGS.values():
        groups[s.group].add_argument(config.flag(s.name), dest=s.name, **_flag_kwargs(s))
    p.set_defaults(run=run, resolve=resolve)
    return p


def given_settings(args):
    """The settings the user gave as flags, by flat name."""
    return {name: getattr(args, name) for name in config.SETTINGS if getattr(args, name, None) is not None}


def _validate_output(out, resume, overwrite, strategy):
    from Trainers.distribute import chief_task

    if strategy == "multiworker" and not chief_task():
        return  # the chief checks and creates the run directory that every worker shares
    if resume and overwrite:
        raise ConfigError("--resume continues a run and --overwrite replaces it; give one of them")
    out = Path(out)
    held = out.exists() and any(out.iterdir())
    if overwrite and held and not (out / "config.json").is_file():
        raise ConfigError(f"--overwrite: {out} is not a run directory (no config.json); refusing to delete it")
    if held and not (resume or overwrite):
        raise ConfigError(f"{out} already holds a run; pass --resume to continue it, --overwrite to replace it, "
                          f"or choose another --out")


def resolve(args):
    """The resolved run configuration (args.config); raises ConfigError."""
    given = given_settings(args)
    if args.resume:
        if args.out is None:
            raise ConfigError("--resume needs --out, the run directory to continue")
        if args.preset is not None:
            raise ConfigError("--preset starts a run; a resumed run keeps the settings in its config.json")
        saved = config.load(args.out)
        args.config = config.resolve(config.resume_settings(saved, given), base=saved)
    else:
        args.config = presets.configure(args.preset, **given)
    _validate_output(args.config.output.out, args.resume, args.overwrite, args.config.engine.strategy)
    return args


def run(args):
    from Trainers.loop import train

    train(args.config, resume=args.resume, replace=args.overwrite)
    return 0
