"""What `train --eval-every N` costs: short runs without it and with it (classifier FID, and LPIPS), timed (not a test).

Each run is the train command's own configuration (the thesis's 32x32 CoGAN nets on digits2edge by default, or
--preset NAME) with a short --eval-every E, so that measurements come often. A hook appended to the run times every
compiled call, quality measurement included (the measurement runs inside the loop, before the call's on_call
hooks): in the same run, under the same load, calls that end in a measurement against calls that do not give
  step time  t_step = median plain call / steps_per_call,
  eval time  t_eval = median measured call - median plain call (quality.png included; the first calls, which
                      trace the step and the measuring graphs, are left out),
and the overhead at every N = t_eval / (N x t_step). Whole-run wall times with and without --eval-every, and the
start-up the measurements add (fixed sample, classifier or LPIPS load, once per run), are printed beside them.
The untrained classifier costs what a trained one does. Run from the repository root:
    python benchmarks/bench_eval_every.py [--iterations 60] [--steps-per-call 5] [--every 10] [--samples 1000]
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def timed_run(cfg):
    """(wall seconds of train(), [(step, seconds of the call ending there)], seconds of the quality start-up)."""
    from Trainers import loop
    from Trainers.hooks import Hook

    class CallTimes(Hook):
        def __init__(self):
            self.last, self.calls = time.monotonic(), []

        def on_call(self, step):
            now = time.monotonic()
            self.calls.append((step, now - self.last))
            self.last = now

    startup, build = [0.0], loop._quality

    def timed_quality(*args):
        start = time.monotonic()
        hooks = build(*args)
        startup[0] = time.monotonic() - start
        return hooks

    loop._quality, timer = timed_quality, CallTimes()
    try:
        start = time.monotonic()
        loop.train(cfg, hooks=[timer])
        return time.monotonic() - start, timer.calls, startup[0]
    finally:
        loop._quality = build


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default=None, help="a preset instead of the thesis's 32x32 CoGAN nets")
    parser.add_argument("--iterations", type=int, default=60)
    parser.add_argument("--steps-per-call", type=int, default=5)
    parser.add_argument("--every", type=int, default=10, help="--eval-every of the timed runs")
    parser.add_argument("--samples", type=int, default=None, help="--eval-samples (default: the setting's default)")
    parser.add_argument("--at", type=int, nargs="+", default=[500, 1000], help="N to print the overhead at")
    args = parser.parse_args()

    from Nets.classifiers import build_digit_classifier
    from Trainers.presets import configure
    from Trainers.quality import evaluation_due

    scratch = Path(tempfile.mkdtemp(prefix="bench_eval_every_"))
    classifier = scratch / "digits.keras"
    build_digit_classifier(32).save(classifier)
    base = dict(model="cogan", dataset="digits2edge") if args.preset is None else {}
    base.update(iterations=args.iterations, steps_per_call=args.steps_per_call, log_every=args.steps_per_call,
                sample_every=args.iterations, checkpoint_every=args.iterations, quiet=True)
    quality = dict(eval_every=args.every, **({"eval_samples": args.samples} if args.samples else {}))
    runs = {"without --eval-every": {},
            "classifier FID + agreement": dict(quality, eval_classifier=str(classifier)),
            "LPIPS (no classifier)": quality}
    results = {}
    for name, extra in runs.items():
        cfg = configure(args.preset, **base, **extra, out=str(scratch / f"run{len(results)}"))
        results[name] = timed_run(cfg)
        print(f"{name}: {results[name][0]:.1f} s", flush=True)

    spc, every = args.steps_per_call, args.every
    print(f"\n{args.preset or 'thesis 32x32 CoGAN nets'}, batch {cfg.optimisation.batch_size}, "
          f"{cfg.output.eval_samples} samples, {args.iterations} iterations in calls of {spc}, --eval-every {every}")
    print("| measures | wall s | start-up s | step s | eval s | overhead measured at E | "
          + " | ".join(f"overhead at N={n}" for n in args.at) + " |")
    print("| --- |" + " --- |" * (5 + len(args.at)))
    baseline = results["without --eval-every"][0]
    for (name, extra), (wall, calls, startup) in zip(runs.items(), results.values()):
        steady = calls[2:]  # the first calls trace the step and the measuring graphs
        due = [bool(extra) and evaluation_due(step, every, spc, args.iterations) for step, _ in steady]
        measured = [s for (_, s), d in zip(steady, due) if d]
        plain = [s for (_, s), d in zip(steady, due) if not d]
        step = statistics.median(plain) / spc
        if not measured:
            print(f"| {name} | {wall:.1f} | | {step:.3f} | | | " + " | ".join("" for _ in args.at) + " |")
            continue
        cost = statistics.median(measured) - statistics.median(plain)
        print(f"| {name} | {wall:.1f} | {startup:.1f} | {step:.3f} | {cost:.2f} | {wall / baseline - 1:+.1%} | "
              + " | ".join(f"{cost / (n * step):.2%}" for n in args.at) + " |")


if __name__ == "__main__":
    main()
