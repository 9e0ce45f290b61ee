"""Resolve and validate command-line configuration before TensorFlow is imported.

Flags are declared with default None so an explicitly given flag can be told apart from a
default: that is what lets `--resume` take its settings from the run's config.json and
refuse contradictions, and what lets model-specific flags be rejected for other models.
"""
import argparse
import json
from pathlib import Path

from Utils.errors import ConfigError


class FlagSet:
    """Adds flags whose help shows their default, keeping the defaults for later resolution."""

    def __init__(self, parser):
        self.parser = parser
        self.defaults = {}

    def add(self, *names, default=None, help="", **kwargs):
        action = self.parser.add_argument(*names, default=None, help=f"{help} (default: {default})", **kwargs)
        self.defaults[action.dest] = default
        return action


def explicit(args, defaults):
    """Names of the flags the user actually gave."""
    return {k for k in defaults if getattr(args, k, None) is not None}


def fill_defaults(args, defaults):
    for key, value in defaults.items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    return args


def load_run_config(out_dir):
    path = Path(out_dir) / "config.json"
    if not path.is_file():
        raise ConfigError(f"--resume: {out_dir} is not a run directory (no config.json); start a new run instead")
    return json.loads(path.read_text())


def merge_resumed(args, defaults, resumable_overrides, per_invocation=()):
    """Take every setting from the saved config unless given again; refuse changed settings that define the run.

    `per_invocation` flags (what this command does, e.g. --overwrite) are never taken from the saved config."""
    saved = load_run_config(args.out)
    given = explicit(args, defaults)
    for key, value in saved.items():
        if key not in defaults or key in per_invocation:
            continue
        if key in given and getattr(args, key) != value and key not in resumable_overrides:
            raise ConfigError(
                f"--resume: --{key.replace('_', '-')} {getattr(args, key)} differs from the run's {value!r}; "
                f"a resumed run keeps its settings (only {', '.join(sorted(resumable_overrides))} may change)")
        if key not in given:
            setattr(args, key, value)
    return fill_defaults(args, defaults)


def check_range(name, value, low, high=None):
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ConfigError(f"--{name} must be {bound}, got {value}")
