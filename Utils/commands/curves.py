"""`curves`: one measure of several runs on one plot and in one table, e.g. the FID curves of `train --eval-every`
runs with different losses (seed report 003's Figs. 5-9). The x axis can count generator iterations,
discriminator steps (iterations x n_critic) or real images seen by the discriminator, so that runs with different
n_critic or batch sizes compare at equal data."""
from pathlib import Path

from Trainers import config
from Utils.errors import ConfigError

X_AXES = {"iteration": "generator iterations", "discriminator-steps": "discriminator steps",
          "images": "real images seen by the discriminator"}


def add_parser(subparsers):
    p = subparsers.add_parser("curves", help="plot one measure of several runs against each other",
                              description="Plot a metrics.csv column (e.g. fid_1 from --eval-every) of several "
                                          "runs on one axis and print each run's first, last and best value.")
    p.add_argument("runs", nargs="+", help="run directories")
    p.add_argument("--measure", default="fid_1", help="metrics.csv column (default: %(default)s)")
    p.add_argument("--label", action="append", default=None,
                   help="legend name of each run, in order (default: the run directory's name)")
    p.add_argument("--x", choices=list(X_AXES), default="iteration", dest="x_axis",
                   help="what the x axis counts (default: %(default)s)")
    p.add_argument("--out", required=True, help="the plot, a .png file")
    p.set_defaults(run=run, resolve=resolve)
    return p


def resolve(args):
    from Utils.run_log import read_quality_curve

    if args.label is not None and len(args.label) != len(args.runs):
        raise ConfigError(f"--label was given {len(args.label)} time(s) for {len(args.runs)} runs; give one per run "
                          f"or none")
    if not args.out.endswith(".png"):
        raise ConfigError(f"--out {args.out}: the plot is written as PNG; name a .png file")
    args.labels = args.label or [Path(run).name for run in args.runs]
    args.curves = {}
    for label, run in zip(args.labels, args.runs):
        scale = _x_scale(config.load(run), args.x_axis)
        curve = read_quality_curve(Path(run) / "metrics.csv", args.measure)
        if curve is None:
            raise ConfigError(f"{run}/metrics.csv has no {args.measure} values; train with --eval-every N (quality "
                              f"columns fid_<domain>, pair_agreement, lpips_*) or pick a column it has")
        args.curves[label] = (curve[0] * scale, curve[1])
    return args


def _x_scale(cfg, x_axis):
    """Discriminator steps or real images per generator iteration."""
    steps = cfg.objective.n_critic if x_axis != "iteration" else 1
    return steps * (cfg.optimisation.batch_size if x_axis == "images" else 1)


def run(args):
    from Utils.run_log import plot_curves

    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    plot_curves(args.curves, args.measure, X_AXES[args.x_axis], args.out)
    lower_is_better = args.measure.startswith(("fid", "lpips", "swd"))
    best = min if lower_is_better else max
    print(f"{args.measure}, each at its x = {X_AXES[args.x_axis]}\n\n| run | first | last | best |\n"
          f"| --- | --- | --- | --- |")
    for label, (x, y) in args.curves.items():
        i = list(y).index(best(y))
        print(f"| {label} | " + " | ".join(f"{y[j]:.2f} at {x[j]:,}" for j in (0, -1, i)) + " |")
    print(f"Wrote {args.out}")
    return 0
