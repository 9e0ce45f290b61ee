"""Where a measurement's time goes, per batch of pairs: the generators (TensorFlow's default kernels against XLA),
LPIPS alex and the Table B.1 classifier, on the thesis's 32x32 nets (not a test).

`evaluate` and `reproduce` generate tens of thousands of pairs (the thesis's 30,000 for MNIST2edge); on a CPU the
generators' transposed convolutions dominate, which is why GeneratorSet.compiled_images compiles them with XLA.
This prints each part's seconds per batch, the pairs a second a whole measurement would reach, and how far XLA's
images and LPIPS distances are from the default kernels'. Weights do not change the cost: every net keeps its random
initialisation, so no run, data or weights are needed.

Run from the repository root:
    python benchmarks/bench_generate.py [--model cogan scogan] [--batch-size 128] [--repeats 3]
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The nets of Table 5.1's presets: CoGAN shares its first four generator blocks, SCoGAN nothing.
MODELS = {"cogan": ("CoGAN 32x32 (t5.1-cogan)", "t5.1-cogan"), "scogan": ("SCoGAN 32x32 (t5.1-fr)", "t5.1-fr")}


def seconds(call, repeats):
    """Median seconds of `call()` over `repeats` timed calls, after one untimed call that traces and compiles."""
    call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def default_kernels(generators):
    """z -> [image per domain] as compiled_images builds it, without XLA (what evaluate ran before)."""
    import tensorflow as tf

    return tf.function(lambda z: generators.images(generators.joint(z, training=False)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", choices=sorted(MODELS), default=sorted(MODELS))
    parser.add_argument("--batch-size", type=int, default=128, help="pairs per call (default: 128, evaluate's)")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per cell (default: 3)")
    args = parser.parse_args()

    import tensorflow as tf

    from Nets.classifiers import build_digit_classifier
    from Nets.lpips import LPIPS
    from Trainers import config, presets
    from Trainers.builders import build_setup

    lpips = LPIPS("alex")
    classifier = build_digit_classifier(32)
    probe = tf.function(lambda x: classifier(x, training=False))
    z = np.random.default_rng(0).uniform(-1, 1, (args.batch_size, 100)).astype(np.float32)
    print(f"TensorFlow {tf.__version__}; batch {args.batch_size}; median of {args.repeats} calls after a warm-up.\n")
    print("| nets | generators, default kernels (s) | generators, XLA (s) | speed-up | LPIPS, 4 rows (s) | "
          "classifier, 4 sets (s) | pairs/s, default | pairs/s, XLA | max image difference | max LPIPS difference |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in args.models:
        label, preset = MODELS[name]
        generators = build_setup(config.resolve(presets.load(preset).settings, check_files=False)).generators
        plain = default_kernels(generators)
        xla = generators.compiled_images()
        images = [[np.asarray(x) for x in f(z)] for f in (plain, xla)]
        x, y = (np.concatenate(imgs * 2) for imgs in (images[0], images[0][::-1]))
        x_xla, y_xla = (np.concatenate(imgs * 2) for imgs in (images[1], images[1][::-1]))
        t_plain = seconds(lambda: [np.asarray(v) for v in plain(z)], args.repeats)
        t_xla = seconds(lambda: [np.asarray(v) for v in xla(z)], args.repeats)
        t_lpips = seconds(lambda: np.asarray(lpips.distance(x, y)), args.repeats)
        t_probe = seconds(lambda: np.asarray(probe(x)), args.repeats)
        rest = t_lpips + t_probe
        image_diff = max(float(np.abs(a - b).max()) for a, b in zip(*images))
        lpips_diff = float(np.abs(np.asarray(lpips.distance(x, y)) - np.asarray(lpips.distance(x_xla, y_xla))).max())
        print(f"| {label} | {t_plain:.3f} | {t_xla:.3f} | {t_plain / t_xla:.2f}x | {t_lpips:.3f} | {t_probe:.3f} | "
              f"{args.batch_size / (t_plain + rest):.0f} | {args.batch_size / (t_xla + rest):.0f} | {image_diff:.1e} | "
              f"{lpips_diff:.1e} |")


if __name__ == "__main__":
    main()
