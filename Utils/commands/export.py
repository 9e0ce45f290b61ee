"""`export`: SavedModels of a run's generators (and optionally discriminators) from its latest checkpoint."""
from pathlib import Path

from Utils.config import ConfigError


def add_parser(subparsers):
    p = subparsers.add_parser("export", help="write SavedModels from a run's latest checkpoint",
                              description="Export generators (z -> image) as Keras SavedModels, loadable with "
                                          "tf.saved_model.load(path).serve(z).")
    p.add_argument("run_dir", help="run directory")
    p.add_argument("--out", default=None, help="export folder (default: RUN_DIR/export)")
    p.add_argument("--discriminators", action="store_true", help="also export the discriminators (image -> logit)")
    p.set_defaults(run=run, resolve=resolve)
    return p


def resolve(args):
    if not (Path(args.run_dir) / "config.json").is_file():
        raise ConfigError(f"{args.run_dir} is not a run directory (no config.json)")
    return args


def run(args):
    from Trainers.export import export_discriminators, export_generators
    from Trainers.restore import restore_run

    _, setup, checkpoint = restore_run(args.run_dir)
    out = Path(args.out) if args.out else Path(args.run_dir) / "export"
    paths = export_generators(setup.generators, out)
    if args.discriminators:
        paths += export_discriminators(setup.discriminators, out)
    print(f"Exported {checkpoint} to " + ", ".join(str(p) for p in paths))
    return 0
