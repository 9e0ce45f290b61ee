"""The figure of docs/results/translation-mnist2edge.md: the same held-out digits translated by every model.

    python docs/results/tools/translation_figure.py inputs --data-dir D --out DIGITS   # DIGITS/1, DIGITS/2
    python main.py translate RUN --input DIGITS/1 --direction 1to2 --out OUT/RUN       # once per model
    python docs/results/tools/translation_figure.py figure --inputs DIGITS --row NAME=OUT/RUN ... --out FIG.png

`inputs` writes N seeded MNIST test digits x (DIGITS/1/<i>.png) and their exact edge images T(x) (DIGITS/2) at
32x32; `figure` stacks a row of x, a row of T(x) and one row of T-hat(x) per model, each labelled on the left.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # the repository, for Data/

from canvas import labelled_rows  # noqa: E402 (this folder's)


def write_inputs(args):
    from Data.labelled import paired_test_digits

    first, second, _ = paired_test_digits(args.dataset, args.data_dir, 32, args.split_seed)
    chosen = np.random.default_rng(args.seed).permutation(len(first))[:args.n]
    for domain, images in (("1", first), ("2", second)):
        folder = Path(args.out) / domain
        folder.mkdir(parents=True, exist_ok=True)
        for k, i in enumerate(chosen):
            Image.fromarray(np.round(np.asarray(images[i])[..., 0] * 255).astype(np.uint8)).save(folder / f"{k:02d}.png")
    print(f"Wrote {len(chosen)} test digits to {args.out}/1 and their {args.dataset} counterparts to {args.out}/2")


def _row(folder, names):
    return np.concatenate([np.asarray(Image.open(Path(folder) / name).convert("RGB")) for name in names], axis=1)


def write_figure(args):
    names = sorted(p.name for p in (Path(args.inputs) / "1").glob("*.png"))
    rows = [("x", Path(args.inputs) / "1"), ("T(x)", Path(args.inputs) / "2")]
    rows += [tuple(spec.rsplit("=", 1)) for spec in args.row]
    labelled_rows([(label, _row(folder, names)) for label, folder in rows], args.out, gap=2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("inputs")
    p.add_argument("--dataset", default="mnist2edge")
    p.add_argument("--data-dir", required=True)
    p.add_argument("--n", type=int, default=16)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--split-seed", type=int, default=1)
    p.add_argument("--out", required=True)
    p.set_defaults(run=write_inputs)
    p = sub.add_parser("figure")
    p.add_argument("--inputs", required=True)
    p.add_argument("--row", action="append", default=[], help="LABEL=FOLDER of one model's translations")
    p.add_argument("--out", required=True)
    p.set_defaults(run=write_figure)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
