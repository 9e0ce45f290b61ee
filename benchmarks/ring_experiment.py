"""The toy experiment of thesis section 2.3.2 (Figs. 2.10, 2.11, 2.14): GANs on the 2D ring of 10 Gaussians.

Three runs through the ordinary `train` command, MLP nets of Table 2.1: the non-saturating loss with k=1
discriminator update per generator update (learns every mode), the same with k=5 (the discriminator wins and
the generator collapses onto a few modes), and WGAN-GP with k=5 (recovers the modes). Each run saves scatter
plots of generated over real points in OUT/<run>/samples/; the summary counts the modes holding at least 5% of
5,100 freshly generated points within 0.25 of their centre (5 standard deviations), and within 0.5, which also
counts a cluster formed next to its mode (WGAN-GP's clusters orbit their modes for a long time).

Run from the repository root: python benchmarks/ring_experiment.py [--iterations 20000] [--out runs/ring]
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from Data.ring import N_MODES, N_POINTS, NEARBY, count_modes, mode_shares  # noqa: E402  (needs the repo on sys.path)
from Utils.commands import main as scogan  # noqa: E402

RUNS = {
    "k1_non_saturating": ["--n-critic", "1"],
    "k5_non_saturating": ["--n-critic", "5"],
    # Adam as Gulrajani et al. ran their toy problems: lr 1e-4, betas 0.5 and 0.9
    "k5_wgan_gp": ["--n-critic", "5", "--loss", "wasserstein", "--penalty", "gp", "--lr", "1e-4", "--beta2", "0.9"],
}


def generated_points(run_dir, latent_dim, seed=1):
    """N_POINTS points from the run's exported generator, on fresh uniform latent vectors."""
    import tensorflow as tf

    generator = tf.saved_model.load(str(run_dir / "export" / "generator_1"))
    z = np.random.default_rng(seed).uniform(-1, 1, (N_POINTS, latent_dim)).astype(np.float32)
    return np.asarray(generator.serve(z))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20000, help="generator updates per run (default: 20000)")
    parser.add_argument("--batch-size", type=int, default=128, help="points per update (default: 128)")
    parser.add_argument("--latent-dim", type=int, default=100, help="size of z (default: 100)")
    parser.add_argument("--out", default="runs/ring", help="folder of the three runs (default: runs/ring)")
    parser.add_argument("--runs", nargs="+", default=list(RUNS), choices=list(RUNS), help="runs to do (default: all)")
    args = parser.parse_args()
    rows = []
    for name in args.runs:
        run_dir = Path(args.out) / name
        start = time.perf_counter()
        scogan(["train", "--model", "gan", "--dataset", "ring", "--init", "xavier", "--quiet", "--overwrite",
                "--iterations", str(args.iterations), "--batch-size", str(args.batch_size),
                "--latent-dim", str(args.latent_dim), "--sample-every", str(max(1, args.iterations // 10)),
                "--sample-count", "2000", "--checkpoint-every", str(args.iterations), "--out", str(run_dir),
                *RUNS[name]])
        seconds = time.perf_counter() - start
        points = generated_points(run_dir, args.latent_dim)
        rows.append({"run": name, "modes": count_modes(points), "modes_within_0.5": count_modes(points, nearby=0.5),
                     "seconds": round(seconds, 1), "shares": [round(float(s), 3) for s in mode_shares(points)]})
    (Path(args.out) / "summary.json").write_text(json.dumps(rows, indent=2))
    print(f"| run | modes of {N_MODES} (within {NEARBY}) | within 0.5 | wall time (s) | "
          f"share within {NEARBY} of each mode |\n| --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['run']} | {row['modes']} | {row['modes_within_0.5']} | {row['seconds']} | "
              f"{' '.join(f'{s:.2f}' for s in row['shares'])} |")


if __name__ == "__main__":
    main()
