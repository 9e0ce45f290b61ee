"""Steady-state training speed of the one training step, against the machine's own matmul rate (not a test).

For each configuration: iterations/s at batch 64 (median of 3 timed runs after a warm-up), the analytic FLOPs of one
iteration and the achieved FLOP/s, beside TensorFlow's 4096x4096 matmul rate (float32, or bfloat16 for the
mixed-precision rows) measured in the same process just before the row. Variants: float32 with XLA off and on, and --mixed-precision (bfloat16 on CPU) with XLA off and on.

Analytic FLOPs = 2 x the multiply-adds of every conv, transposed conv and dense layer the step really runs: a
transposed conv costs k*k*Cin*Cout per *input* position. Per example and domain i, with G the generator's
forward MACs (CoGAN's shared trunk once), D_i the discriminator's, and g0/d0 their first layers (whose input
gradient nobody needs):
  discriminator update: G (fakes, no tape) + 2 x (3 D_i - d0) (real and fake: forward, weight and input
  gradients) + 6 D_i with the gradient penalty (forward, input gradient, and the double backprop through both);
  generator update: 3 G - g0 + 2 D_i (forward and input gradient through the critic) + 2 C per domain for the
  semantic loss's frozen classifier + 3 E per domain for the cycle encoder (it trains too).
  One iteration = n_critic discriminator updates + one generator update; batch norm, activations and the
  optimizers' element-wise updates are not counted.

The "vs thesis" column compares CoGAN 32x32 with the issue's reference, the thesis authors' trainer, measured in
the same run rather than assumed: the first row times that trainer's structure on our nets (eager; each
discriminator and each generator updated on its own tape, so the shared trunk runs once per generator: four
forward and two backward trunk passes per iteration against our one and one).

Data are constant in-memory batches, so the figures are the step's alone. Run from the repository root:
    python benchmarks/bench_train.py [--configs cogan_ns ...] [--variants f32 f32-xla bf16 bf16-xla] [--seconds 10]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CONFIGS = {
    "cogan_ns": ("CoGAN 32x32 non-saturating, n_critic 1", {"model": "cogan"}),
    "cogan_wgangp": ("CoGAN 32x32 WGAN-GP, n_critic 5",
                     {"model": "cogan", "loss": "wasserstein", "penalty": "gp", "n_critic": 5}),
    "scogan_fr_wgangp": ("SCoGAN 32x32 FR K=3 WGAN-GP, n_critic 5",
                         {"model": "scogan", "fr_weight": 10.0, "fr_layers": 3, "loss": "wasserstein", "penalty": "gp",
                          "n_critic": 5}),
    "scogan_sem_cycle": ("SCoGAN 32x32 semantic + cycle", {"model": "scogan", "semantic_weight": 10.0, "cycle_weight": 1.0}),
    "cogan128": ("CoGAN 128x128 (cogan128)", {"model": "cogan", "dataset": "folder", "image_size": 128}),
}
VARIANTS = {"f32": (False, False), "f32-xla": (False, True), "bf16": (True, False), "bf16-xla": (True, True)}


def resolved_config(settings, scratch, batch_size, mixed, jit):
    """The configuration the train command would run, through the configuration's own checks."""
    from Trainers import config

    extra = {}
    if settings.get("dataset") == "folder":  # the 128x128 nets: two one-image folders pass the data checks
        from PIL import Image

        for name in ("a", "b"):
            (scratch / name).mkdir(exist_ok=True)
            Image.new("RGB", (128, 128)).save(scratch / name / "x.png")
        extra["folder"] = [str(scratch / "a"), str(scratch / "b")]
    if settings.get("semantic_weight"):
        from Nets.classifiers import build_digit_classifier

        path = scratch / "classifier.keras"
        if not path.exists():
            build_digit_classifier(32).save(path)
        extra["classifier"] = str(path)
    return config.resolve({**settings, **extra, "batch_size": batch_size, "out": str(scratch / "run"), "quiet": True,
                           "mixed_precision": mixed, "jit_compile": jit})


def layer_macs(layer, in_shape, out_shape):
    """Multiply-adds of one application of `layer` to one example."""
    import keras

    layer = getattr(layer, "layer", layer)  # SpectralNormalization wraps the real layer
    if isinstance(layer, keras.layers.Dense):
        return int(np.prod(layer.kernel.shape)) * int(np.prod(in_shape[1:-1] or [1]))
    if isinstance(layer, keras.layers.Conv2DTranspose):
        return int(np.prod(layer.kernel.shape)) * in_shape[1] * in_shape[2]
    if isinstance(layer, keras.layers.Conv2D):
        return int(np.prod(layer.kernel.shape)) * out_shape[1] * out_shape[2]
    return 0


def model_macs(model):
    """(total, first weight layer) multiply-adds of a model whose layers each run once."""
    counts = [layer_macs(layer, layer.input.shape, layer.output.shape) for layer in model.layers
              if not layer.__class__.__name__ == "InputLayer"]
    counts = [c for c in counts if c]
    return sum(counts), counts[0]


def discriminator_macs(cfg, opts):
    """(total, first) of one discriminator, from fresh blocks (CoGAN's shared ones run once per domain)."""
    import keras

    from Nets.architectures import BUILDERS

    x = keras.Input((cfg.data.image_size, cfg.data.image_size, 3))
    counts = []
    for block in BUILDERS[cfg.model.arch][1](opts):
        for layer in block:
            y = layer(x)
            counts.append(layer_macs(layer, x.shape, y.shape))
            x = y
    counts = [c for c in counts if c]
    return sum(counts), counts[0]


def iteration_flops(cfg, setup):
    from Nets.encoder import build_encoder
    from Trainers.builders import net_options

    opts = net_options(cfg)
    g, g0 = model_macs(setup.generators.joint)
    d, d0 = discriminator_macs(cfg, opts)
    domains = setup.n_domains
    d_update = g + domains * (2 * (3 * d - d0) + (6 * d if cfg.objective.penalty == "gp" else 0))
    g_update = 3 * g - g0 + domains * 2 * d
    if cfg.couplings.semantic_weight:
        from Nets.classifiers import build_digit_classifier

        g_update += domains * 2 * model_macs(build_digit_classifier(cfg.data.image_size))[0]
    if cfg.couplings.cycle_weight:
        g_update += domains * 3 * model_macs(build_encoder(opts, cfg.data.image_size))[0]
    return 2 * cfg.optimisation.batch_size * (cfg.objective.n_critic * d_update + g_update)


def matmul_rate(dtype, n=4096, repeats=5):
    """FLOP/s of TensorFlow's n x n matmul in `dtype` (median of `repeats` after a warm-up)."""
    import tensorflow as tf

    a = tf.cast(tf.random.uniform([n, n]), dtype)
    b = tf.cast(tf.random.uniform([n, n]), dtype)
    mm = tf.function(lambda a, b: tf.reduce_sum(tf.cast(tf.linalg.matmul(a, b)[0, :1], tf.float32)))
    mm(a, b).numpy()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        mm(a, b).numpy()
        times.append(time.perf_counter() - start)
    return 2 * n**3 / statistics.median(times)


def median_rate(call, seconds, runs, most):
    """(median calls/s over `runs` timed runs, calls per run), each run ~`seconds` long (at most `most` calls);
    `call` must be warmed up already."""
    start = time.perf_counter()
    call()
    iterations = max(1, min(most, round(seconds / (time.perf_counter() - start))))
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        for _ in range(iterations):
            call()
        rates.append(iterations / (time.perf_counter() - start))
    return statistics.median(rates), iterations


def time_config(cfg, seconds, runs=3):
    """(median iterations/s over `runs` timed runs, iteration FLOPs, iterations per run, trace seconds)."""
    import tensorflow as tf

    from Trainers.adversarial import AdversarialTrainer
    from Trainers.builders import build_setup
    from Trainers.precision import dtype_policy, policy_name

    tf.keras.utils.set_random_seed(0)
    with dtype_policy(policy_name(cfg.engine.mixed_precision, gpus=tf.config.list_physical_devices("GPU"))):
        setup = build_setup(cfg)
        trainer = AdversarialTrainer(setup, cfg)
        flops = iteration_flops(cfg, setup)
        shape = (cfg.objective.n_critic * cfg.optimisation.batch_size, cfg.data.image_size, cfg.data.image_size, 3)
        batch = tuple(tf.random.uniform(shape, -1, 1) for _ in range(setup.n_domains))
        iterator = iter(tf.data.Dataset.from_tensors(batch).repeat())
        step = trainer.compiled_steps(1)
        one = tf.constant(1)

        def run():
            return {k: v.numpy() for k, v in step(iterator, one).items()}  # as the loop: metrics to the host each step

        start = time.perf_counter()
        run()
        trace = time.perf_counter() - start
        rate, iterations = median_rate(run, seconds, runs, most=50)
    return rate, flops, iterations, trace


def thesis_structure_step(setup, latent_dim, batch_size):
    """One iteration in the thesis trainer's order; returns the four losses. One Adam per net (Keras 3 binds an
    optimizer to its variables); the shared trunk thus gets an update from each generator's, as in the thesis."""
    import keras
    import tensorflow as tf

    from Losses.adversarial import non_saturating_discriminator_loss, non_saturating_generator_loss

    generators = [setup.generators.image_model(i) for i in range(2)]
    d_optimizers, g_optimizers = ([keras.optimizers.Adam(2e-4, beta_1=0.5) for _ in range(2)] for _ in range(2))

    def step(reals):
        z = tf.random.uniform((batch_size, latent_dim), -1.0, 1.0)
        losses = []
        for g, d, real, d_optimizer in zip(generators, setup.discriminators, reals, d_optimizers):
            fake = g(z, training=True)
            with tf.GradientTape() as tape:
                loss = non_saturating_discriminator_loss(d(real, training=True), d(fake, training=True))
            d_optimizer.apply_gradients(zip(tape.gradient(loss, d.trainable_variables), d.trainable_variables))
            losses.append(loss)
        z = tf.random.uniform((batch_size, latent_dim), -1.0, 1.0)
        for g, d, g_optimizer in zip(generators, setup.discriminators, g_optimizers):
            with tf.GradientTape() as tape:
                loss = non_saturating_generator_loss(d(g(z, training=True), training=True))
            g_optimizer.apply_gradients(zip(tape.gradient(loss, g.trainable_variables), g.trainable_variables))
            losses.append(loss)
        return losses

    return step


def thesis_structure_flops(cfg, setup):
    """Per iteration: per domain, the generator forward for the fakes, the discriminator on real and fake
    (forward, weight and input gradients), then the generator's forward and backward through the discriminator."""
    from Trainers.builders import net_options

    g, g0 = model_macs(setup.generators.image_model(0))
    d, d0 = discriminator_macs(cfg, net_options(cfg))
    per_domain = g + 2 * (3 * d - d0) + (3 * g - g0) + 2 * d
    return 2 * cfg.optimisation.batch_size * 2 * per_domain


def time_thesis_structure(cfg, seconds, runs=3):
    """(median iterations/s, iteration FLOPs) of CoGAN `cfg` run in the thesis trainer's structure."""
    import keras
    import tensorflow as tf

    from Trainers.builders import build_setup

    keras.utils.set_random_seed(0)
    setup = build_setup(cfg)
    step = thesis_structure_step(setup, cfg.model.latent_dim, cfg.optimisation.batch_size)
    reals = [tf.random.uniform((cfg.optimisation.batch_size, cfg.data.image_size, cfg.data.image_size, 3), -1, 1) for _ in range(2)]

    def run():
        return [float(x) for x in step(reals)]  # the thesis trainer reads its losses every iteration

    run()  # builds the optimizers' slots
    rate, _ = median_rate(run, seconds, runs, most=20)
    return rate, thesis_structure_flops(cfg, setup)


MAC_OPS = ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "MatMul", "FusedConv2D", "FusedMatMul",
           "BatchMatMul", "Einsum")


def op_type(name):
    """'scope/op:_MklNativeConv2DBackpropInput' -> 'Conv2DBackpropInput'."""
    kind = name.rsplit(":", 1)[1]
    for prefix in ("_MklNative", "_Mkl"):
        if kind.startswith(prefix):
            kind = kind[len(prefix):]
            break
    return kind.strip().replace("WithBias", "")


def profile_config(cfg, steps=2, top=15):
    """Where a step's time goes: TensorFlow's profiler over `steps` steps, op time summed by op type.

    Ops on the inter-op threads may overlap, so the shares are of summed op time, not of wall time.
    """
    import collections
    import glob

    import tensorflow as tf
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    from Trainers.adversarial import AdversarialTrainer
    from Trainers.builders import build_setup
    from Trainers.precision import dtype_policy, policy_name

    tf.keras.utils.set_random_seed(0)
    with dtype_policy(policy_name(cfg.engine.mixed_precision, gpus=tf.config.list_physical_devices("GPU"))), \
            tempfile.TemporaryDirectory() as logdir:
        setup = build_setup(cfg)
        trainer = AdversarialTrainer(setup, cfg)
        shape = (cfg.objective.n_critic * cfg.optimisation.batch_size, cfg.data.image_size, cfg.data.image_size, 3)
        batch = tuple(tf.random.uniform(shape, -1, 1) for _ in range(setup.n_domains))
        step = trainer.compiled_step()
        step(batch)
        tf.profiler.experimental.start(logdir)
        for _ in range(steps):
            {k: v.numpy() for k, v in step(batch).items()}
        tf.profiler.experimental.stop()
        space = xplane_pb2.XSpace()
        space.ParseFromString(Path(sorted(glob.glob(f"{logdir}/plugins/profile/*/*.xplane.pb"))[-1]).read_bytes())
    by_type = collections.Counter()
    for plane in space.planes:
        for line in plane.lines:
            for event in line.events:
                name = plane.event_metadata[event.metadata_id].name
                kind = op_type(name) if ":" in name and "::" not in name else ""
                if kind and not kind.startswith("_") and not kind.endswith("PartitionedCall"):  # not function calls
                    by_type[kind] += event.duration_ps / 1e12 / steps
    total = sum(by_type.values())
    mac = sum(t for kind, t in by_type.items() if kind in MAC_OPS)
    print(f"\nProfile of one iteration ({steps} profiled): {total:.3f} s of op time, {100 * mac / total:.0f}% in "
          f"conv/matmul ops (the FLOPs counted), {100 * (1 - mac / total):.0f}% in everything else")
    for kind, seconds in by_type.most_common(top):
        print(f"  {kind:36s} {seconds:8.3f} s  {100 * seconds / total:5.1f}%")


def table_row(title, variant, rate, flops, reference, vs, extra=""):
    """One line of the table: speed, FLOPs, FLOP/s and its share of the matmul rate measured beside it."""
    return (f"{title:42s} {variant:9s} {rate:7.3f} {1 / rate:7.3f} {flops / 1e9:9.1f} {rate * flops / 1e9:8.1f} "
            f"{reference / 1e9:7.0f} {100 * rate * flops / reference:7.1f}% {vs:>9s}{extra}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0, help="target length of each timed run")
    parser.add_argument("--width", type=float, default=None, help="net width (default: the thesis's, 1)")
    parser.add_argument("--profile", action="store_true",
                        help="instead of timing, profile each configuration's first variant: op time by op type")
    args = parser.parse_args()

    import tensorflow as tf

    if args.profile:
        with tempfile.TemporaryDirectory() as scratch:
            for name in args.configs:
                title, settings = CONFIGS[name]
                settings = {**settings, **({"width": args.width} if args.width else {})}
                print(f"{title}, {args.variants[0]}:", end="")
                profile_config(resolved_config(settings, Path(scratch), args.batch_size, *VARIANTS[args.variants[0]]))
        return
    print(f"TensorFlow {tf.__version__}; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; batch "
          f"{args.batch_size}; median of 3 runs of ~{args.seconds:.0f} s after warm-up. The matmul reference "
          f"(4096x4096, float32 for f32 rows, bfloat16 for bf16 rows) is measured again just before each row, so a "
          f"busy machine slows both alike.\n")
    header = (f"{'configuration':42s} {'variant':9s} {'it/s':>7s} {'s/it':>7s} {'GFLOP/it':>9s} {'GFLOP/s':>8s} "
              f"{'matmul':>7s} {'% matmul':>8s} {'vs thesis':>9s} {'runs x it':>9s} {'trace s':>7s} {'load':>5s}")
    print(header)
    print("-" * len(header))
    with tempfile.TemporaryDirectory() as scratch:
        if "cogan_ns" in args.configs:
            cfg = resolved_config(CONFIGS["cogan_ns"][1], Path(scratch), args.batch_size, False, False)
            reference = matmul_rate(tf.float32)
            thesis_rate, flops = time_thesis_structure(cfg, args.seconds)
            print(table_row("CoGAN 32x32 in the thesis code structure", "f32 eager", thesis_rate, flops, reference,
                            "1.00x"), flush=True)
        for name in args.configs:
            title, settings = CONFIGS[name]
            settings = {**settings, **({"width": args.width} if args.width else {})}
            for variant in args.variants:
                mixed, jit = VARIANTS[variant]
                cfg = resolved_config(settings, Path(scratch), args.batch_size, mixed, jit)
                reference = matmul_rate(tf.bfloat16 if mixed else tf.float32)
                try:
                    rate, flops, iterations, trace = time_config(cfg, args.seconds)
                except Exception as exc:  # noqa: BLE001 - report and go on with the other variants
                    print(f"{title:42s} {variant:9s} failed: {type(exc).__name__}: {str(exc).splitlines()[0][:80]}")
                    continue
                vs = f"{rate / thesis_rate:.2f}x" if name == "cogan_ns" else ""
                print(table_row(title, variant, rate, flops, reference, vs,
                                f" {'3 x ' + str(iterations):>9s} {trace:7.1f} {os.getloadavg()[0]:5.1f}"), flush=True)


if __name__ == "__main__":
    main()
