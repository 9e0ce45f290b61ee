"""`sample`: image grid and .npz of corresponding pairs from a run or exported generators."""
from pathlib import Path

from Utils.config import ConfigError


def add_parser(subparsers):
    p = subparsers.add_parser("sample", help="draw corresponding pairs from a run or SavedModel(s)",
                              description="Write a grid PNG (top rows domain 1, bottom rows domain 2, same column = "
                                          "same z) and an .npz with z and the images in [-1, 1].")
    p.add_argument("source", help="run directory (latest checkpoint) or exported SavedModel folder")
    p.add_argument("--n", type=int, default=64, help="number of latent vectors (default: %(default)s)")
    p.add_argument("--z", default=None, help=".npy file of latent vectors [N, latent_dim] to use instead of fresh ones")
    p.add_argument("--seed", type=int, default=0, help="seed of fresh latent vectors (default: %(default)s)")
    p.add_argument("--noise", choices=("uniform", "normal"), default=None,
                   help="distribution of fresh z (default: the run's; uniform for SavedModels)")
    p.add_argument("--out", default=None, help="output path stem (default: SOURCE/samples/sample)")
    p.set_defaults(run=run, resolve=resolve)
    return p


def resolve(args):
    if not Path(args.source).exists():
        raise ConfigError(f"{args.source} does not exist")
    if args.z is not None and not Path(args.z).is_file():
        raise ConfigError(f"--z {args.z} is not a file")
    if args.n < 1:
        raise ConfigError("--n must be at least 1")
    return args


def _latents(args, latent_dim, noise):
    import numpy as np

    if args.z is not None:
        z = np.load(args.z).astype(np.float32)
        if z.ndim != 2 or z.shape[1] != latent_dim:
            raise ConfigError(f"--z {args.z} has shape {z.shape}; the generators need [N, {latent_dim}]")
        return z
    rng = np.random.default_rng(args.seed)
    shape = (args.n, latent_dim)
    return (rng.standard_normal(shape) if noise == "normal" else rng.uniform(-1, 1, shape)).astype(np.float32)


def run(args):
    import numpy as np
    import tensorflow as tf

    from Trainers.restore import load_exported, restore_run
    from Utils.images import pair_grid, save_png

    source = Path(args.source)
    if (source / "config.json").is_file():
        cfg, setup, _ = restore_run(source)
        z = _latents(args, cfg.latent_dim, args.noise or cfg.noise)
        images = [np.asarray(x) for x in setup.generators.images(setup.generators.joint(z, training=False))]
    else:
        generators = load_exported(source)
        latent_dim = int(tf.nest.flatten(generators[0].serve.input_signature)[0].shape[-1])
        z = _latents(args, latent_dim, args.noise or "uniform")
        images = [np.asarray(g.serve(z)) for g in generators]
    stem = Path(args.out) if args.out else source / "samples" / "sample"
    stem.parent.mkdir(parents=True, exist_ok=True)
    save_png(pair_grid(images, columns=min(8, len(z))), str(stem) + ".png")
    np.savez(str(stem) + ".npz", z=z, **{f"images_{i + 1}": x for i, x in enumerate(images)})
    print(f"Wrote {stem}.png and {stem}.npz ({len(z)} latent vectors, {len(images)} domain(s))")
    return 0
