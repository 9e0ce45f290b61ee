"""`export`: SavedModels of a run's generators (optionally discriminators, encoder) from its latest checkpoint."""
from pathlib import Path

from Trainers import config
from Utils.errors import ConfigError


def add_parser(subparsers):
    p = subparsers.add_parser("export", help="write SavedModels from a run's latest checkpoint",
                              description="Export generators (z -> image) as Keras SavedModels, loadable with "
                                          "tf.saved_model.load(path).serve(z).")
    p.add_argument("run_dir", help="run directory")
    p.add_argument("--out", default=None, help="export folder (default: RUN_DIR/export)")
    p.add_argument("--discriminators", action="store_true", help="also export the discriminators (image -> logit)")
    p.add_argument("--encoder", action="store_true",
                   help="also export the cycle-consistency encoder (image -> z) of a run trained with --cycle-weight")
    p.set_defaults(run=run, resolve=resolve)
    return p


def resolve(args):
    if args.encoder and not config.load(args.run_dir).couplings.cycle_weight:
        raise ConfigError(f"--encoder: {args.run_dir} was trained without --cycle-weight, so it has no encoder")
    return args


def run(args):
    from Trainers.export import export_auxiliaries, export_discriminators, export_generators, write_record
    from Trainers.restore import restore_run

    run = restore_run(args.run_dir, discriminators=args.discriminators, encoder=args.encoder)
    out = Path(args.out) if args.out else Path(args.run_dir) / "export"
    paths = export_generators(run.generators, out)
    if args.discriminators:
        paths += export_discriminators(run.discriminators, out)
    if args.encoder:
        paths += export_auxiliaries({run.encoder.name: run.encoder}, out)
    paths.append(write_record(run.config, out))
    print(f"Exported {run.checkpoint} to " + ", ".join(str(p) for p in paths))
    return 0
