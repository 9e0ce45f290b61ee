"""LPIPS throughput (image pairs per second) of the Keras port on this machine.

Weights do not change the cost, so the models keep their random initialisation and no package is needed.
Run from the repository root: python benchmarks/bench_lpips.py [--batch-size 256] [--repeats 3]
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from Nets.lpips import LPIPS  # noqa: E402  (needs the repository on sys.path first)


def pairs_per_second(model, size, batch_size, repeats):
    """Median over `repeats` timed calls of `model.distance`, after one warm-up call that traces it."""
    rng = np.random.default_rng(0)
    x, y = (rng.uniform(-1, 1, (batch_size, size, size, 3)).astype(np.float32) for _ in range(2))
    model.distance(x, y).numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.distance(x, y).numpy()
        times.append(time.perf_counter() - start)
    return batch_size / statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", nargs="+", default=["alex", "vgg"], help="nets to time (default: alex vgg)")
    parser.add_argument("--sizes", nargs="+", type=int, default=[32, 64], help="image sides (default: 32 64)")
    parser.add_argument("--batch-size", type=int, default=256, help="pairs per call (default: 256)")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per cell (default: 3)")
    args = parser.parse_args()
    print("| net | size | batch | pairs/s |\n| --- | --- | --- | --- |")
    for net in args.nets:
        model = LPIPS(net)
        for size in args.sizes:
            rate = pairs_per_second(model, size, args.batch_size, args.repeats)
            print(f"| {net} | {size}x{size} | {args.batch_size} | {rate:.1f} |", flush=True)


if __name__ == "__main__":
    main()
