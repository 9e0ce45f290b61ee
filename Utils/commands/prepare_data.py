"""`prepare-data`: build a dataset offline from the files a researcher downloaded by hand in their published format.

mnist becomes a tensorflow-datasets dataset; svhn, celeba and the CycleGAN sets are checked and recorded under
--data-dir in our own small format (the images of celeba and the CycleGAN sets stay where they are);
svhn_pruned caches which SVHN images a digit classifier keeps.
"""
from pathlib import Path

from Data.catalog import CYCLEGAN_SETS, PRUNE_THRESHOLD, default_data_dir
from Utils.errors import ConfigError

PREPARERS = ("mnist", "svhn", "svhn_pruned", "celeba") + CYCLEGAN_SETS
SOURCES = {
    "mnist": "the four *-ubyte.gz files",
    "svhn": "train_32x32.mat",
    "celeba": "img_align_celeba/, list_attr_celeba.txt and list_eval_partition.txt",
}


def add_parser(subparsers):
    p = subparsers.add_parser("prepare-data", help="build a dataset offline from its published files",
                              description="Build a dataset from its original files, without network; NAME is the "
                                          "train --dataset it serves (a CycleGAN set by its own name).")
    p.add_argument("name", choices=PREPARERS, metavar="NAME", help=f"dataset to build: {', '.join(PREPARERS)}")
    p.add_argument("--from", dest="source", default=None,
                   help="folder with the raw files (" + "; ".join(f"{k}: {v}" for k, v in SOURCES.items())
                        + "; a CycleGAN set: trainA/ and trainB/)")
    p.add_argument("--classifier", default=None,
                   help=f"svhn_pruned: .keras digit classifier (32x32x3 in [-1, 1], softmax); SVHN images whose "
                        f"highest probability is <= {PRUNE_THRESHOLD} are dropped")
    p.add_argument("--data-dir", default=default_data_dir(),
                   help="tensorflow-datasets directory to build into (default: %(default)s)")
    p.set_defaults(run=run, resolve=resolve)
    return p


def resolve(args):
    if args.name == "svhn_pruned":
        if args.source is not None:
            raise ConfigError("svhn_pruned reads the prepared SVHN; give --classifier, not --from")
        if args.classifier is None or not Path(args.classifier).is_file():
            raise ConfigError("svhn_pruned needs --classifier PATH, an existing .keras digit classifier")
        return args
    if args.classifier is not None:
        raise ConfigError("--classifier is for svhn_pruned")
    if args.source is None or not Path(args.source).is_dir():
        raise ConfigError(f"--from must be the folder holding {SOURCES.get(args.name, 'trainA/ and trainB/')}")
    return args


def run(args):
    if args.name == "mnist":
        from Data.mnist import prepare_mnist

        train, test = prepare_mnist(args.source, args.data_dir)
        done = f"{train} training and {test} test images"
    elif args.name == "svhn":
        from Data.svhn import prepare_svhn

        done = f"{prepare_svhn(args.source, args.data_dir)} training images"
    elif args.name == "svhn_pruned":
        from Data.svhn import prune_svhn

        kept, total = prune_svhn(args.data_dir, args.classifier)
        done = f"kept {kept} of {total} SVHN images (train with --svhn-classifier {args.classifier})"
    elif args.name == "celeba":
        from Data.celeba import prepare_celeba

        done = f"{prepare_celeba(args.source, args.data_dir)} faces with 40 attributes"
    else:
        from Data.cyclegan import prepare_cyclegan

        done = "{} trainA and {} trainB images".format(*prepare_cyclegan(args.name, args.source, args.data_dir))
    print(f"Prepared {args.name} in {args.data_dir}: {done}. Train with --data-dir {args.data_dir}")
    return 0
