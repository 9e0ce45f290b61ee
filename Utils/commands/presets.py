"""`presets`: list the shipped presets with their sources; `presets show NAME_OR_FILE` prints one, resolved."""
import json

from Trainers import config, presets


def add_parser(subparsers):
    p = subparsers.add_parser("presets", help="list the shipped presets, or show one resolved",
                              description="Without arguments: every shipped preset with its source. `show NAME` "
                                          "(or a .toml file): its source, notes and the complete resolved "
                                          "configuration that `train --preset NAME` would record in config.json.")
    p.add_argument("action", nargs="?", choices=("list", "show"), default="list")
    p.add_argument("name", nargs="?", help="preset name or .toml file (with show)")
    p.set_defaults(run=run)
    return p


def run(args):
    if args.action == "list":
        rows = [(name, presets.load(name).source) for name in presets.names()]
        width = max(len(name) for name, _ in rows)
        for name, source in rows:
            print(f"{name:<{width}}  {source}")
        print("\npython main.py presets show NAME prints one; python main.py train --preset NAME [flags] runs it.")
        return 0
    if args.name is None:
        from Utils.errors import ConfigError

        raise ConfigError("presets show needs a NAME or .toml file (python main.py presets lists them)")
    preset = presets.load(args.name)
    cfg = config.resolve(preset.settings, preset=preset.name, origins=preset.origins, check_files=False)
    print(f"# {preset.name} ({preset.path})\n# source: {preset.source}")
    for line in preset.notes.strip().splitlines():
        print(f"# {line}")
    print(json.dumps(config.to_json(cfg), indent=2))
    return 0
