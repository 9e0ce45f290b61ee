"""Figures of the docs/results pages built from runs' sample grids (RUN/samples/step_*.png, fixed z):

    python docs/results/tools/sample_strips.py --run LABEL=RUN ... --out FIG.png [--index 0] [--last 8]

Per run, one row: the image of fixed latent vector --index at every saved step (seed report 003's Figs. 5/6,
"one fixed vector throughout training"), then the first --last images of the final grid. Labels on the left.
"""
import argparse
import re
from pathlib import Path

import numpy as np
from PIL import Image

from canvas import labelled_rows, spacer  # this folder's


def _grids(run):
    """[(step, grid array)] of a run's sample grids, by step (a progressive run's are upsampled to the final side)."""
    found = []
    for path in Path(run, "samples").glob("step_*.png"):
        match = re.fullmatch(r"step_(\d+)(_\d+x\d+)?\.png", path.name)  # progressive runs name the resolution
        if match:
            found.append((int(match.group(1)), np.asarray(Image.open(path).convert("RGB"))))
    return sorted(found, key=lambda item: item[0])


def _cell(grid, index, side):
    columns = grid.shape[1] // side
    row, column = divmod(index, columns)
    return grid[row * side:(row + 1) * side, column * side:(column + 1) * side]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="append", required=True, help="LABEL=RUN_DIR")
    parser.add_argument("--out", required=True)
    parser.add_argument("--index", type=int, default=0, help="which fixed latent vector to follow")
    parser.add_argument("--last", type=int, default=8, help="images of the final grid after the gap")
    parser.add_argument("--side", type=int, default=32, help="image side in the grids")
    args = parser.parse_args()
    rows = []
    for spec in args.run:
        label, run = spec.rsplit("=", 1)
        grids = _grids(run)
        evolution = [_cell(grid, args.index, args.side) for _, grid in grids]
        final = [_cell(grids[-1][1], i, args.side) for i in range(args.last)]
        rows.append((f"{label}\nsteps {grids[0][0]}-{grids[-1][0]}",
                     np.concatenate(evolution + [spacer(args.side, 8)] + final, 1)))
    labelled_rows(rows, args.out, label_width=150)


if __name__ == "__main__":
    main()
