"""The figure of docs/results/ddls-mnist.md: each model's plain sample grid beside its DDLS grid (from `sample --ddls`).

    python docs/results/tools/ddls_figure.py --grid LABEL=STEM ... --out FIG.png   # STEM.png and STEM_ddls.png
"""
import argparse

import numpy as np
from PIL import Image

from canvas import labelled_rows, spacer  # this folder's


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", action="append", required=True, help="LABEL=STEM of `sample --ddls --out STEM`")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    rows = []
    for label, stem in (spec.rsplit("=", 1) for spec in args.grid):
        plain, moved = (np.asarray(Image.open(f"{stem}{suffix}.png").convert("RGB")) for suffix in ("", "_ddls"))
        rows.append((label, np.concatenate([plain, spacer(plain.shape[0], 30), moved], axis=1)))
    labelled_rows(rows, args.out, label_width=230, title="left: plain samples; right: DDLS, from the same z")


if __name__ == "__main__":
    main()
