"""`train-classifier`: the digit classifier of thesis Table B.1 for the semantic loss, scored on held-out data."""
from pathlib import Path

from Data.catalog import DATASETS, default_data_dir, unprepared
from Utils.errors import ConfigError
from Utils.commands.flags import check_range

DOMAIN_CHOICES = ("1", "2", "both")
DIGIT_DATASETS = sorted(name for name, spec in DATASETS.items() if spec.source in ("mnist", "digits"))
# SVHN alone prunes SVHN (thesis section 2.7); MNIST and SVHN mixed is the semantic loss's classifier of
# MNIST2SVHN (section 5.2, T1069)
SVHN_SETS = {"svhn": "svhn", "mnist+svhn": "mnist2svhn"}  # each with the dataset that needs the same data


def add_parser(subparsers):
    p = subparsers.add_parser(
        "train-classifier", help="train the digit classifier the semantic loss needs",
        description="Train the thesis's digit classifier (Table B.1) on one domain or both domains of a digit "
                    "dataset, print its accuracy on held-out data (MNIST's test split, or a seeded 20%% hold-out "
                    "of the embedded digits) and save PATH.keras with PATH.json beside it.")
    p.add_argument("--dataset", required=True, choices=DIGIT_DATASETS + list(SVHN_SETS),
                   help="digit dataset (as for train), svhn, or mnist+svhn (both mixed, Table 5.2's semantic loss)")
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
    if (args.dataset in SVHN_SETS or DATASETS[args.dataset].n_domains == 1) and args.domains != "1":
        raise ConfigError(f"--dataset {args.dataset} has one domain; --domains {args.domains} needs a pair "
                          f"such as mnist2edge")
    if not args.out.endswith(".keras"):
        raise ConfigError(f"--out must end in .keras (the format load_model(..., safe_mode=True) reads), "
                          f"got {args.out}")
    if Path(args.out).exists() and not args.overwrite:
        raise ConfigError(f"{args.out} exists; pass --overwrite to replace it or choose another --out")
    check_range("epochs", args.epochs, 1)
    check_range("batch-size", args.batch_size, 1)
    problem = unprepared(SVHN_SETS.get(args.dataset, args.dataset), args.data_dir)
    if problem:
        raise ConfigError(problem)
    return args


def run(args):
    import time

    from Nets.classifiers import sidecar_path
    from Trainers.classifiers import digit_classifier_data, save_classifier, train_digit_classifier

    start = time.monotonic()
    splits = {split: digit_classifier_data(args.dataset, args.domains, split, args.data_dir, args.seed)
              for split in ("train", "test")}
    model, info = train_digit_classifier(splits["train"], splits["test"], args.epochs, args.batch_size, args.seed,
                                         verbose=0 if args.quiet else 2)
    info.update(dataset=args.dataset, domains=args.domains, seed=args.seed, seconds=round(time.monotonic() - start, 1))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    save_classifier(model, args.out, info)
    print(f"Held-out accuracy {info['held_out_accuracy']:.4f} on {info['held_out_size']} images "
          f"({args.dataset}, domains {args.domains}); saved {args.out} and {sidecar_path(args.out)}")
    return 0
