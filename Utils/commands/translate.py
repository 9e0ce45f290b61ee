"""`translate`: images of one domain into the other with a trained two-domain model, from its run directory or its
export. GAN pairs (CoGAN, SCoGAN) translate by latent inversion (Trainers/inversion.py), which also reports how
closely G_source(z*) reproduces each input."""
from pathlib import Path

from Trainers.inversion import InversionSettings
from Utils.commands.flags import check_range
from Utils.errors import ConfigError
from Utils.latents import NOISES

GRID = "translation_grid.png"
ERRORS = "inversion.csv"
GRID_ROWS = 32  # images shown in the grid; every image is written
PRINTED_ROWS = 20  # rows of the printed table; inversion.csv has them all
DEFAULTS = InversionSettings()


def add_parser(subparsers):
    p = subparsers.add_parser(
        "translate", help="translate images from one domain into the other (GAN pairs by latent inversion)",
        description="Translate an image or a folder of images with a two-domain model. CoGAN and SCoGAN pairs "
                    "translate by latent inversion: Adam finds, from several starts (one of them F(x) for a run "
                    "with a cycle encoder), the z whose G_source(z) is closest to x (pixel MSE, plus LPIPS with "
                    "--lpips-weight), kept inside the latent distribution's support; the output is G_target(z). "
                    f"Writes each translation under its input's file name in --out, {GRID} (input | "
                    f"reconstruction G_source(z) | translation, first {GRID_ROWS} images) and {ERRORS} (the "
                    "inversion error per image), and prints the errors.")
    p.add_argument("source", help="run directory (latest checkpoint) or its export folder (generator_<i> SavedModels)")
    p.add_argument("--input", required=True, help="an image file or a folder of images, of the model's image size")
    p.add_argument("--direction", required=True, choices=("1to2", "2to1"),
                   help="1to2: domain 1 images into domain 2; 2to1: the reverse")
    p.add_argument("--out", required=True, help="output folder")
    p.add_argument("--starts", type=int, default=DEFAULTS.starts,
                   help="latent vectors searched per image, the best kept (default: %(default)s)")
    p.add_argument("--steps", type=int, default=DEFAULTS.steps, help="Adam steps per search (default: %(default)s)")
    p.add_argument("--lr", type=float, default=DEFAULTS.lr,
                   help="Adam's learning rate, decayed to 0 over the steps (default: %(default)s)")
    p.add_argument("--lpips-weight", type=float, default=DEFAULTS.lpips_weight,
                   help="weight of LPIPS (alex) added to the pixel MSE (default: %(default)s, pixels only)")
    p.add_argument("--lpips-weights", metavar="FILE", default=None,
                   help="converted .npz or torch .pth LPIPS weights (default: the lpips packages' files)")
    p.add_argument("--noise", choices=NOISES, default=None,
                   help="latent distribution to invert into (default: the run's or the export's; uniform for an "
                        "export without model.json)")
    p.add_argument("--batch-size", type=int, default=64, help="images inverted at once (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random starts (default: %(default)s)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(run=run, resolve=resolve)
    return p


def resolve(args):
    from Data.image_files import image_paths
    from Trainers.translation import check_direction, describe

    if not Path(args.source).exists():
        raise ConfigError(f"{args.source} does not exist; give a run directory or its export folder")
    check_direction(describe(args.source), args.direction)
    args.paths = image_paths(args.input)
    out = Path(args.out).resolve()
    if any(Path(path).resolve().parent == out for path in args.paths):
        raise ConfigError(f"--out {args.out} is the input folder: the translations would overwrite the inputs")
    if any(Path(path).name in (GRID, ERRORS) for path in args.paths):
        raise ConfigError(f"an input is named {GRID} or {ERRORS}, which translate writes; rename it")
    check_range("starts", args.starts, 1)
    check_range("steps", args.steps, 0)
    check_range("batch-size", args.batch_size, 1)
    check_range("lpips-weight", args.lpips_weight, 0)
    if args.lr <= 0:
        raise ConfigError(f"--lr must be positive, got {args.lr}")
    if args.lpips_weights is not None and not Path(args.lpips_weights).is_file():
        raise ConfigError(f"--lpips-weights {args.lpips_weights} does not exist")
    return args


def run(args):
    import time

    from tqdm import tqdm

    from Data.image_files import read_images
    from Trainers.translation import translate_all, translators

    settings = InversionSettings(args.starts, args.steps, args.lr, args.lpips_weight)
    distance = _lpips(args) if args.lpips_weight > 0 else None
    translator = translators(args.source, [args.direction], settings, args.noise, distance, args.seed)[args.direction]
    x = read_images(args.paths, translator.image_shape)
    start = time.monotonic()
    with tqdm(total=len(x), unit="image", dynamic_ncols=True, disable=args.quiet) as bar:
        result = translate_all(translator, x, args.batch_size, bar.update)
    seconds = time.monotonic() - start
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = _write(out, args.paths, x, result)
    print(f"Translated {len(x)} image(s) {args.direction} in {seconds:.1f} s ({seconds / len(x):.2f} s per image); "
          f"wrote them and {', '.join(written)} to {out}")
    return 0


def _lpips(args):
    """The differentiable LPIPS distance (alex) for the inversion's objective."""
    from Nets.lpips import load_lpips

    lpips = load_lpips("alex", args.lpips_weights)
    return lambda a, b: lpips((a, b), training=False)


def _write(out, paths, x, result):
    """Each translation under its input's name, the grid and, for an inversion, its errors (printed too)."""
    import numpy as np

    from Utils.atomic import write_text
    from Utils.images import save_png, tile, to_uint8

    for path, image in zip(paths, to_uint8(result.images)):
        save_png(image, str(out / Path(path).name))
    columns = [x, result.images] if result.reconstructions is None else [x, result.reconstructions, result.images]
    shown = np.stack([c[:GRID_ROWS] for c in columns], axis=1)  # [rows, columns, H, W, 3]
    save_png(tile(to_uint8(shown.reshape((-1,) + shown.shape[2:])), len(columns)), str(out / GRID))
    if result.inversion is None:
        return [GRID]
    table = _inversion_table([Path(p).name for p in paths], result.inversion)
    write_text(out / ERRORS, "\n".join(",".join(row) for row in table) + "\n")
    _print_table(table)
    print(f"inversion MSE over {len(x)} image(s): mean {result.inversion.mse.mean():.6f}, "
          f"max {result.inversion.mse.max():.6f}")
    return [GRID, ERRORS]


def _inversion_table(names, inversion):
    """[header, row per image] of strings: file, pixel MSE, LPIPS (when weighted in), objective, winning start."""
    header = ["file", "mse"] + (["lpips"] if inversion.distance is not None else []) + ["loss", "start"]
    rows = [header]
    for i, name in enumerate(names):
        values = [inversion.mse[i]] + ([inversion.distance[i]] if inversion.distance is not None else [])
        rows.append([name] + [f"{v:.6f}" for v in values + [inversion.loss[i]]] + [str(int(inversion.start[i]))])
    return rows


def _print_table(table):
    header, rows = table[0], table[1:]
    width = max(len(header[0]), *(len(r[0]) for r in rows[:PRINTED_ROWS]))
    for row in [header] + rows[:PRINTED_ROWS]:
        print(row[0].ljust(width) + "  " + "  ".join(cell.rjust(9) for cell in row[1:]))
    if len(rows) > PRINTED_ROWS:
        print(f"... {len(rows) - PRINTED_ROWS} more in {ERRORS}")
