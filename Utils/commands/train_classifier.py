"""`train-classifier`: the digit classifier of thesis Table B.1 for the semantic loss, scored on held-out data."""
from pathlib import Path

from Data.catalog import DATASETS, default_data_dir, prepare_hint, tfds_prepared
from Utils.errors import ConfigError
from Utils.commands.flags import check_range

DOMAIN_CHOICES = ("1", "2", "both")
DIGIT_DATASETS = sorted(name for name, spec in DATASETS.items() if spec.source in ("mnist", "digits"))


def add_parser(subparsers):
    p = subparsers.add_parser(
        "train-classifier", help="train the digit classifier the semantic loss needs",
        description="Train the thesis's digit classifier (Table B.1) on one domain or both domains of a digit "
                    "dataset, print its accuracy on held-out data (MNIST's test split, or a seeded 20%% hold-out "
                    "of the embedded digits) and save PATH.keras with PATH.json beside it.")
    p.add_argument("--dataset", required=True, choices=DIGIT_DATASETS, help="digit dataset (as for train)")
    p.add_argument("--domains", default="1", choices=DOMAIN_CHOICES,
                   help="train on domain 1, domain 2 or both mixed; labels are the digits in both "
                        "(default: %(default)s)")
    p.add_argument("--out", required=True, help="where to save the classifier, a .keras file")
    p.add_argument("--epochs", type=int, default=10, help="passes over the training images (default: %(default)s)")
    p.add_argument("--batch-size", type=int, default=128, help="images per update (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0,
                   help="seed of initialisation, data order and the domain halves; 0 gives train's default halves "
                        "(default: %(default)s)")
    p.add_argument("--data-dir", default=default_data_dir(),
                   help="tensorflow-datasets directory (default: %(default)s)")
    p.add_argument("--overwrite", action="store_true", help="replace an existing classifier at --out")
    p.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    p.set_defaults(run=run, resolve=resolve)
    return p


def resolve(args):
    spec = DATASETS[args.dataset]
    if spec.n_domains == 1 and args.domains != "1":
        raise ConfigError(f"--dataset {args.dataset} has one domain; --domains {args.domains} needs a pair "
                          f"such as {args.dataset}2edge")
    if not args.out.endswith(".keras"):
        raise ConfigError(f"--out must end in .keras (the format load_model(..., safe_mode=True) reads), "
                          f"got {args.out}")
    if Path(args.out).exists() and not args.overwrite:
        raise ConfigError(f"{args.out} exists; pass --overwrite to replace it or choose another --out")
    check_range("epochs", args.epochs, 1)
    check_range("batch-size", args.batch_size, 1)
    if spec.needs_tfds and not tfds_prepared(spec.source, args.data_dir):
        raise ConfigError(prepare_hint(spec.source, args.data_dir))
    return args


def run(args):
    import time

    from Data.labelled import labelled_domains, select_domains
    from Nets.classifiers import sidecar_path
    from Trainers.classifiers import save_classifier, train_digit_classifier

    start = time.monotonic()
    splits = {split: select_domains(labelled_domains(args.dataset, split, args.data_dir, seed=args.seed), args.domains)
              for split in ("train", "test")}
    model, info = train_digit_classifier(splits["train"], splits["test"], args.epochs, args.batch_size, args.seed,
                                         verbose=0 if args.quiet else 2)
    info.update(dataset=args.dataset, domains=args.domains, seed=args.seed, seconds=round(time.monotonic() - start, 1))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    save_classifier(model, args.out, info)
    print(f"Held-out accuracy {info['held_out_accuracy']:.4f} on {info['held_out_size']} images "
          f"({args.dataset}, domains {args.domains}); saved {args.out} and {sidecar_path(args.out)}")
    return 0
