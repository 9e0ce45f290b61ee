"""`sample`: image grid and .npz of corresponding pairs from a run or exported generators; for generators of 2D
points (the toy ring's mlp) a scatter plot and an .npz of the points instead. With --ddls, the same again from the
z moved by discriminator-driven latent sampling (Trainers/ddls.py)."""
from dataclasses import replace
from pathlib import Path

from Data.catalog import DATASETS
from Trainers.translation import check_latent_source
from Utils.commands.ddls_flags import add_ddls_flags, resolve_ddls
from Utils.errors import ConfigError
from Utils.latents import NOISES, draw_latents

IMAGE_COUNT = 64  # one 8x8 grid
POINT_COUNT = 2000  # enough points that every mode of the ring shows as a cloud


def add_parser(subparsers):
    p = subparsers.add_parser("sample", help="draw corresponding pairs from a run or SavedModel(s)",
                              description="Write a grid PNG (top rows domain 1, bottom rows domain 2, same column = "
                                          "same z) and an .npz with z and the images in [-1, 1] (images_1, "
                                          "images_2). Generators of 2D points (the ring's mlp) give a scatter plot "
                                          "instead, over the real points for a ring run, titled with the covered "
                                          "modes, and an .npz with z and the points (points_1). With --ddls "
                                          "also STEM_ddls.png and .npz from the DDLS-moved z (z_start: the z they "
                                          "started from).")
    p.add_argument("source", help="run directory (latest checkpoint) or exported SavedModel folder")
    p.add_argument("--n", type=int, default=None,
                   help=f"number of latent vectors (default: {IMAGE_COUNT} for images, {POINT_COUNT} for 2D points)")
    p.add_argument("--z", default=None, help=".npy file of latent vectors [N, latent_dim] to use instead of fresh ones")
    p.add_argument("--seed", type=int, default=None,
                   help="seed of the latent vectors (default: a fresh one, printed and saved in the .npz, so a "
                        "sample can be drawn again)")
    p.add_argument("--noise", choices=NOISES, default=None,
                   help="distribution of fresh z (default: the run's; for exported generators the one "
                        "their model.json records, else uniform)")
    p.add_argument("--out", default=None, help="output path stem (default: SOURCE/samples/sample)")
    add_ddls_flags(p)
    p.set_defaults(run=run, resolve=resolve)
    return p


def resolve(args):
    if not Path(args.source).exists():
        raise ConfigError(f"{args.source} does not exist")
    check_latent_source(args.source, "sample")
    if args.z is not None and not Path(args.z).is_file():
        raise ConfigError(f"--z {args.z} is not a file")
    if args.n is not None and args.n < 1:
        raise ConfigError("--n must be at least 1")
    resolve_ddls(args)  # the chains' seed is the sample's, known in run()
    return args


def _latents(args, latent_dim, noise, count):
    import numpy as np

    if args.z is not None:
        z = np.load(args.z).astype(np.float32)
        if z.ndim != 2 or z.shape[1] != latent_dim:
            raise ConfigError(f"--z {args.z} has shape {z.shape}; the generators need [N, {latent_dim}]")
        return z
    return draw_latents(np.random.default_rng(args.seed), noise, (args.n or count, latent_dim))


def _seed(args):
    """--seed, or a fresh one when neither it nor --z is given (so no two calls repeat the training grid's z)."""
    import numpy as np

    if args.seed is None and args.z is None:
        args.seed = int(np.random.SeedSequence().entropy % 2**31)
    return args.seed


def run(args):
    import numpy as np
    import tensorflow as tf

    from Trainers.ddls import check_discriminator_checkpoint
    from Trainers.export import read_record
    from Trainers.restore import load_exported, restore_run

    source = Path(args.source)
    cfg, seed = None, _seed(args)
    if (source / "config.json").is_file():
        if args.ddls:
            check_discriminator_checkpoint(source)
        run = restore_run(source, discriminators=bool(args.ddls))
        cfg, generators = run.config, run.generators
        points = DATASETS[cfg.data.dataset].sizes is None  # a 2D toy (the ring) has no image sizes
        z = _latents(args, cfg.model.latent_dim, args.noise or cfg.model.noise, POINT_COUNT if points else IMAGE_COUNT)
        images = [np.asarray(x) for x in generators.images(generators.joint(z, training=False))]
    else:
        generators = load_exported(source)
        signature = generators[0].serve.get_concrete_function().structured_outputs
        points = _generates_points(signature)
        latent_dim = int(tf.nest.flatten(generators[0].serve.input_signature)[0].shape[-1])
        noise = args.noise or read_record(source).get("noise") or "uniform"
        z = _latents(args, latent_dim, noise, POINT_COUNT if points else IMAGE_COUNT)
        images = [np.asarray(g.serve(z)) for g in generators]
    stem = Path(args.out) if args.out else source / "samples" / "sample"
    stem.parent.mkdir(parents=True, exist_ok=True)
    written = _write(stem, z, images, points, cfg, _seed_record(seed))
    drawn = f"seed {seed}" if seed is not None else f"z from {args.z}"
    print(f"Wrote {' and '.join(map(str, written))} ({len(z)} latent vectors, {drawn}, {len(images)} domain(s))")
    if args.ddls:
        _sample_ddls(args, run, z, stem.with_name(stem.name + "_ddls"), points, seed)
    return 0


def _write(stem, z, domains, points, cfg, record):
    """The scatter plot(s) or pair grid of `domains` and an .npz of z, `record` and the points or images."""
    import numpy as np

    from Utils.images import pair_grid, save_png

    if points:
        return _write_points(stem, z, domains, cfg, record)
    save_png(pair_grid(domains, columns=min(8, len(z))), str(stem) + ".png")
    np.savez(str(stem) + ".npz", z=z, **record, **{f"images_{i + 1}": x for i, x in enumerate(domains)})
    return [f"{stem}.png", f"{stem}.npz"]


def _sample_ddls(args, run, z, stem, points, seed):
    """Move `z` by DDLS (chains seeded by the sample's seed, else a fresh one) and write what they generate; the
    .npz adds the settings, z_start, each chain's first and last energy and the mean energy at every step."""
    import numpy as np

    from Trainers.ddls import RunSampler, describe

    settings = replace(args.ddls, seed=seed if seed is not None else int(np.random.SeedSequence().entropy % 2**31))
    sampler = RunSampler(run, settings, args.noise or run.config.model.noise)
    moved = sampler(z)
    generators = run.generators
    images = [np.asarray(x) for x in generators.images(generators.joint(moved, training=False))]
    record = {"z_start": z, "ddls_seed": settings.seed, "ddls_steps": settings.steps,
              "ddls_step_size": settings.step_size, "ddls_noise": settings.noise_scale,
              "energy_start": sampler.energies[0], "energy_end": sampler.energies[-1],
              "energy_mean": sampler.energies.mean(axis=1)}
    written = _write(stem, moved, images, points, run.config, record)
    print(f"{describe(sampler.summary())}; wrote {' and '.join(map(str, written))} (chains' seed {settings.seed})")


def _generates_points(outputs):
    """True when the generator's last output (its samples) is [N, D] points rather than [N, H, W, C] images."""
    import tensorflow as tf

    return len(tf.nest.flatten(outputs)[-1].shape) == 2


def _seed_record(seed):
    """The .npz entry that says which seed drew z (none when z came from --z)."""
    return {} if seed is None else {"seed": seed}


def _write_points(stem, z, domains, cfg, record):
    """Scatter plot(s) of generated points (over the real ring for a ring run) and an .npz of z, `record` and the
    points."""
    import numpy as np

    from Utils.images import save_png
    from Utils.scatter import scatter_image

    real = None
    if cfg is not None and cfg.data.dataset == "ring":
        from Data.ring import ring_points, ring_summary

        real = ring_points(cfg.optimisation.seed)  # the run's training points (Data.domains draws them with the run's seed)
    written = []
    for i, points in enumerate(domains, start=1):
        title = ring_summary(points) if real is not None else f"{len(points)} generated points"
        path = f"{stem}.png" if len(domains) == 1 else f"{stem}_domain{i}.png"
        save_png(scatter_image(real, points, title), path)
        written.append(path)
    np.savez(str(stem) + ".npz", z=z, **record, **{f"points_{i + 1}": x for i, x in enumerate(domains)})
    return written + [f"{stem}.npz"]
