"""Presets: experiments written as small TOML files that hold only what differs from the defaults.

A preset is grouped like config.json (`[data]`, `[model]`, `[objective]`, `[couplings]`, `[optimisation]`,
`[engine]`, `[output]`) and carries a `source` (where in the thesis, or which measured run, its settings come from)
and `notes` (deviations and why). `train --preset NAME_OR_FILE` layers defaults < preset < explicit flags. The
presets that ship with scogan are the `*.toml` files beside this module.
"""
import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict

from Trainers import config
from Trainers.config import GROUPS, check_value, close_matches
from Utils.errors import ConfigError

FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Preset:
    name: str
    path: Path
    source: str
    notes: str
    settings: Dict[str, Any]  # flat name -> value
    origins: Dict[str, str]  # flat name -> "preset FILE [group] key", for error messages


def names():
    """The shipped presets' names, sorted."""
    return sorted(p.stem for p in FOLDER.glob("*.toml"))


def _path(name_or_file):
    path = Path(name_or_file)
    if path.suffix == ".toml" or path.is_file():
        if not path.is_file():
            raise ConfigError(f"--preset {name_or_file}: no such file")
        return path
    shipped = FOLDER / f"{name_or_file}.toml"
    if not shipped.is_file():
        raise ConfigError(f"--preset {name_or_file}: no such preset{close_matches(name_or_file, names())}; "
                          f"`python main.py presets` lists them, or give a .toml file")
    return shipped


def load(name_or_file) -> Preset:
    """The preset called `name_or_file` (a shipped name or a TOML file), every key and value checked."""
    path = _path(name_or_file)
    try:
        raw = tomllib.loads(path.read_text())
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"preset {path}: not valid TOML ({exc})") from None
    settings, origins = {}, {}
    for key in ("source", "notes"):
        if not isinstance(raw.get(key, ""), str):
            raise ConfigError(f"preset {path}: {key} must be a string")
    if not raw.get("source"):
        raise ConfigError(f"preset {path}: `source` is missing: say where its settings come from (thesis section, "
                          f"table or figure, or the measured run)")
    for group, values in raw.items():
        if group in ("source", "notes"):
            continue
        if group not in GROUPS or not isinstance(values, dict):
            raise ConfigError(f"preset {path}: unknown key {group!r}{close_matches(group, GROUPS)}; a preset holds "
                              f"source, notes and the groups {', '.join(GROUPS)}")
        fields = {f.name: f.metadata["flag"] or f.name for f in dataclasses.fields(GROUPS[group])}
        for key, value in values.items():
            where = f"preset {path} [{group}] {key}"
            if key not in fields:
                raise ConfigError(f"{where}: unknown key{close_matches(key, fields)}")
            name = fields[key]
            problem = check_value(name, value)
            if problem:
                raise ConfigError(f"{where} {problem}")
            settings[name], origins[name] = value, where
    return Preset(path.stem, path, raw["source"], raw.get("notes", ""), settings, origins)


def configure(name_or_file=None, **settings) -> config.RunConfig:
    """The resolved configuration of a preset (or of the defaults, without one) with `settings` (flat names, as
    `batch_size=32`) over it: defaults < preset < settings, as `train --preset NAME --batch-size 32` does."""
    if name_or_file is None:
        return config.resolve(settings)
    preset = load(name_or_file)
    origins = {name: where for name, where in preset.origins.items() if name not in settings}
    return config.resolve({**preset.settings, **settings}, preset=preset.name, origins=origins)
