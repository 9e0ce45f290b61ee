"""The toy experiment of thesis section 2.3.2 (Figs. 2.10, 2.11, 2.14): GANs on the 2D ring of 10 Gaussians.

Three runs of the `ring-k5` preset (Trainers/presets/ring-k5.toml), through the training loop, with the MLP nets of Table 2.1 (tanh units, so Glorot's
`--init xavier`, which was derived for tanh nets; the train command's DCGAN default normal(0, 0.02) leaves the
generator's points bunched near the origin for thousands of steps), the train command's batch of 64, the
thesis's 25,000 generator updates, and z of size 100 drawn uniformly in [-1, 1] as for the thesis's image GANs
(`--noise normal` draws z ~ N(0, I) instead, as the 2D toys of Metz et al. 2017 and Gulrajani et al. 2017 do):

- k1_non_saturating: the non-saturating loss, k=1 discriminator update per generator update, Adam lr 2e-4,
  beta1 0.5 (the train command's DCGAN defaults). The thesis: learns every mode.
- k5_non_saturating: the same with k=5. The thesis: the discriminator wins and the generator collapses onto a
  few modes.
- k5_wgan_gp: WGAN-GP with k=5, the settings Gulrajani et al. 2017 used for their 2D toys (their wgan_toy
  code): Adam lr 1e-4, beta1 0.5, beta2 0.9, gradient penalty weight lambda 0.1 (10 is for images: on 2D toys it
  smooths the critic so much that the generator's points stay spread around the modes), a critic without batch
  norm (`--disc-norm none`, the mlp's own). The thesis: recovers every mode.

Each run saves scatter plots of generated over real points in OUT/<run>/samples/ (with samples/modes.csv, the
covered modes at every plot) and, at the end, OUT/<run>/final.png of 5,100 points freshly drawn from the exported
generator, on which the summary counts the covered modes: modes holding at least 5% of the points within 3
standard deviations of their centre (Data/ring.py explains the criterion), and the share of the points that lie
on any mode. OUT/summary.json keeps the table.

Run from the repository root: python benchmarks/ring_experiment.py [--out runs/ring] [--runs k5_wgan_gp]
"""
import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from Data.ring import (N_MODES, N_POINTS, N_STD, count_modes, high_quality_share, mode_shares,  # noqa: E402
                       ring_points, ring_summary)
from Trainers import config, presets  # noqa: E402  (needs the repo on sys.path)
from Trainers.loop import train  # noqa: E402
from Utils.latents import NOISES, draw_latents  # noqa: E402

# Each run is the ring-k5 preset with these settings changed.
RUNS = {
    "k1_non_saturating": {"n_critic": 1},
    "k5_non_saturating": {"n_critic": 5},
    "k5_wgan_gp": {"n_critic": 5, "loss": "wasserstein", "penalty": "gp", "gp_weight": 0.1, "lr": 1e-4,
                   "beta1": 0.5, "beta2": 0.9, "disc_norm": "none"},
}


def generated_points(run_dir, latent_dim, noise, seed=1):
    """N_POINTS points from the run's exported generator, on fresh latent vectors of the run's noise."""
    import tensorflow as tf

    generator = tf.saved_model.load(str(run_dir / "export" / "generator_1"))
    z = draw_latents(np.random.default_rng(seed), noise, (N_POINTS, latent_dim))
    return np.asarray(generator.serve(z), dtype=np.float32)


def final_plot(run_dir, name, iterations, latent_dim, noise, seed):
    """(points, path): N_POINTS fresh points of the run's exported generator and their scatter plot over the real
    points in RUN/final.png."""
    from Utils.images import save_png
    from Utils.scatter import scatter_image

    points = generated_points(run_dir, latent_dim, noise)
    path = run_dir / "final.png"
    save_png(scatter_image(ring_points(seed), points, f"{name}, {iterations} iterations\n{ring_summary(points)}"), path)
    return points, path


def modes_during_training(run_dir):
    """The covered modes at every sample plot, from samples/modes.csv."""
    rows = (run_dir / "samples" / "modes.csv").read_text().splitlines()[1:]
    return [int(row.split(",")[1]) for row in rows]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=25000, help="generator updates per run (default: 25000)")
    parser.add_argument("--batch-size", type=int, default=64, help="points per update (default: 64)")
    parser.add_argument("--latent-dim", type=int, default=100, help="size of z (default: 100)")
    parser.add_argument("--noise", default="uniform", choices=NOISES,
                        help="z ~ uniform[-1, 1] (default) or standard normal")
    parser.add_argument("--seed", type=int, default=0, help="seed of data, noise and initialisation (default: 0)")
    parser.add_argument("--out", default="runs/ring", help="folder of the runs (default: runs/ring)")
    parser.add_argument("--runs", nargs="+", default=list(RUNS), choices=list(RUNS), help="runs to do (default: all)")
    args = parser.parse_args()
    out = Path(args.out)
    summary_path = out / "summary.json"
    previous = json.loads(summary_path.read_text()) if summary_path.is_file() else []
    rows = {row["run"]: row for row in previous}
    for name in args.runs:
        run_dir = out / name
        start = time.perf_counter()
        cfg = config.resolve({**presets.load("ring-k5").settings, **RUNS[name], "quiet": True,
                              "iterations": args.iterations, "batch_size": args.batch_size,
                              "latent_dim": args.latent_dim, "noise": args.noise, "seed": args.seed,
                              "sample_every": max(1, args.iterations // 10), "checkpoint_every": args.iterations,
                              "out": str(run_dir)}, preset="ring-k5")
        train(cfg, replace=True)
        seconds = time.perf_counter() - start
        points, final = final_plot(run_dir, name, args.iterations, args.latent_dim, args.noise, args.seed)
        rows[name] = {"run": name, "settings": RUNS[name], "iterations": args.iterations, "batch_size": args.batch_size,
                      "noise": args.noise,
                      "modes": count_modes(points), "on_mode_share": round(high_quality_share(points), 3),
                      "modes_during_training": modes_during_training(run_dir), "seconds": round(seconds, 1),
                      "shares": [round(float(s), 3) for s in mode_shares(points)], "plot": str(final.resolve())}
        summary_path.write_text(json.dumps([rows[k] for k in RUNS if k in rows], indent=2))
    print(f"| run | iterations | modes of {N_MODES} | points on a mode | modes at each plot | wall time (s) | "
          f"share of points within {N_STD} sd of each mode |\n| --- | --- | --- | --- | --- | --- | --- |")
    for name in RUNS:
        if name in rows:
            row = rows[name]
            print(f"| {name} | {row['iterations']} | {row['modes']} | {100 * row['on_mode_share']:.0f}% | "
                  f"{' '.join(map(str, row['modes_during_training']))} | {row['seconds']} | "
                  f"{' '.join(f'{s:.2f}' for s in row['shares'])} |")


if __name__ == "__main__":
    main()
