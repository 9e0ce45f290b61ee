"""The command-line interface: one module per subcommand, each with add_parser() and run().

Subcommand modules import TensorFlow only inside run(), so parsing and validation stay fast
and every configuration error is reported before any model is built.
"""
import atexit
import gc
import importlib
import sys

from Utils.commands.flags import Parser
from Utils.errors import UserError

COMMANDS = ("train", "presets", "train_classifier", "sample", "translate", "export", "evaluate", "curves",
            "reproduce", "prepare_data", "lpips", "convert_lpips_weights")


def build_parser():
    parser = Parser(
        prog="scogan",
        description="GAN, CoGAN and SCoGAN: learn the joint distribution of two image domains from unpaired data.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"Utils.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"Utils.commands.{name}":
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv=None):
    # A process that imported TensorFlow spends seconds at exit in the garbage collector's final passes over
    # TensorFlow's objects (2-8 s on a busy 2-core CPU, most of what a Ctrl-C waited for); frozen objects are
    # skipped. By then a command's files are closed, and Python does not promise finalizers at exit anyway.
    atexit.register(gc.freeze)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if hasattr(args, "resolve"):
            args = args.resolve(args)
        code = args.run(args)
    except UserError as exc:  # errors the user can act on carry their fix in the message
        parser.exit(exc.exit_code, f"scogan {args.command}: error: {exc}\n")
    except KeyboardInterrupt:
        parser.exit(130, "interrupted\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
