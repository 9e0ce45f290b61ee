"""`prepare-data`: build a tensorflow-datasets dataset offline from files downloaded by hand."""
from pathlib import Path

from Data.catalog import default_data_dir
from Utils.config import ConfigError

PREPARERS = ("mnist",)


def add_parser(subparsers):
    p = subparsers.add_parser("prepare-data", help="build a tfds dataset offline from local raw files",
                              description="Build a tensorflow-datasets dataset from the original files, without network.")
    p.add_argument("name", choices=PREPARERS, help="dataset to build")
    p.add_argument("--from", dest="source", required=True,
                   help="folder with the raw files (mnist: the four *-ubyte.gz files)")
    p.add_argument("--data-dir", default=default_data_dir(),
                   help="tensorflow-datasets directory to build into (default: %(default)s)")
    p.set_defaults(run=run, resolve=resolve)
    return p


def resolve(args):
    if not Path(args.source).is_dir():
        raise ConfigError(f"--from {args.source} is not a directory")
    return args


def run(args):
    from Data.mnist import prepare_mnist

    train, test = prepare_mnist(args.source, args.data_dir)
    print(f"Prepared mnist in {args.data_dir}: {train} training and {test} test images. "
          f"Train with --data-dir {args.data_dir}")
    return 0
