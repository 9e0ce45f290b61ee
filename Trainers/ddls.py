"""Discriminator-driven latent sampling (DDLS, Che et al. 2020): Langevin dynamics in latent space on the energy
E(z) = -log p0(z) - sum_i d_i(G_i(z)), d_i the discriminator's logit (a critic's score for WGANs).

Che et al. show that when the discriminator is optimal, z drawn from exp(-E(z)) make G(z) follow the data rather
than the generator's distribution, so a trained run's samples improve without any training. For a CoGAN/SCoGAN
pair both discriminators' logits are summed on (G1(z), G2(z)): one chain per z moves both images, so corresponding
pairs stay pairs.

The update is the one of the seed slides (003_*) and of Che et al.'s Algorithm 1,
    z <- z - (step_size / 2) grad E(z) + noise_scale * sqrt(step_size) * n,   n ~ N(0, I),
with noise_scale 1 the exact Langevin sampler (0: plain gradient descent on E). p0 is the run's latent
distribution: for `normal`, -log p0(z) = |z|^2 / 2 (up to a constant); for `uniform` on [-1, 1]^d the log-density is
flat inside the box, so only the discriminators move z, and each step reflects z back into the box at its faces
(reflection keeps the uniform density invariant where clipping would pile chains up on the faces).

TensorFlow is imported inside the functions: the commands read the defaults and check a run without it.
"""
import math
from dataclasses import dataclass
from pathlib import Path

from Trainers import config
from Utils.errors import ConfigError

# Che et al. 2020, section 6 (CIFAR-10, SN-GAN): Langevin step size 0.01 whose Gaussian noise has standard
# deviation 0.1 = sqrt(0.01), i.e. noise scale 1 here; chains of 1000 steps as we read it (not checked against a
# copy of the paper here). See docs/evaluation.md#ddls.
STEPS = 1000
STEP_SIZE = 0.01
NOISE_SCALE = 1.0
# Losses whose discriminator output is a logit of P(real) (non-saturating and minimax train the same
# discriminator) or a Wasserstein critic: the energy needs d = log(D / (1 - D)) or the critic's score.
DDLS_LOSSES = ("non-saturating", "minimax", "wasserstein")
DDLS_MODELS = ("gan", "cogan", "scogan")  # the models that generate from a latent z
# The chains' noise stream: its own seed sequence, so it never repeats the draws of the z it starts from.
NOISE_STREAM = 0xDD15


@dataclass(frozen=True)
class DDLSSettings:
    steps: int = STEPS
    step_size: float = STEP_SIZE
    noise_scale: float = NOISE_SCALE
    seed: int = 0  # of the chains' Gaussian noise


def check_run(run_dir):
    """Refuse (ConfigError, exit 2) a source DDLS cannot use, before TensorFlow: exported generators (no
    discriminators), models without a latent z, and losses whose discriminator output is no logit or critic."""
    run_dir = Path(run_dir)
    if not (run_dir / "config.json").is_file():
        raise ConfigError(f"--ddls needs the run's discriminators, and {run_dir} is not a run directory (exported "
                          f"SavedModels hold only the generators); give the run directory that was exported")
    cfg = config.load(run_dir)
    if cfg.model.kind not in DDLS_MODELS:
        raise ConfigError(f"--ddls moves the latent z of a {', '.join(DDLS_MODELS)} run; {run_dir} is a "
                          f"{cfg.model.kind} run")
    if cfg.objective.loss not in DDLS_LOSSES:
        raise ConfigError(f"--ddls needs a discriminator whose output is a logit or a Wasserstein critic; "
                          f"{run_dir} was trained with --loss {cfg.objective.loss}. DDLS supports --loss "
                          f"{', '.join(DDLS_LOSSES)}")


def check_discriminator_checkpoint(run_dir):
    """Refuse (ConfigError, exit 2) a run whose latest checkpoint holds no discriminator, reading only the names of
    the objects saved at its root (no net is built). A run without any checkpoint is left to restore_run.

    Variable names cannot tell: a variable is stored under its first path in the object graph, and a
    discriminator's weights are reached through d_optimizer's list of trainable variables first."""
    import tensorflow as tf
    from tensorflow.core.protobuf import trackable_object_graph_pb2

    latest = tf.train.latest_checkpoint(str(Path(run_dir) / "checkpoints"))
    if latest is None:
        return
    graph = trackable_object_graph_pb2.TrackableObjectGraph()
    graph.ParseFromString(tf.train.load_checkpoint(latest).get_tensor("_CHECKPOINTABLE_OBJECT_GRAPH"))
    names = {child.local_name for child in graph.nodes[0].children}
    n_domains = 1 if config.load(run_dir).model.kind == "gan" else 2
    missing = [f"discriminator_{i}" for i in range(1, n_domains + 1) if f"discriminator_{i}" not in names]
    if missing:
        raise ConfigError(f"--ddls needs the discriminators' weights, and {latest} holds none of "
                          f"{', '.join(missing)}; give a run directory whose checkpoints were written by train")


def negative_log_prior(z, prior):
    """-log p0(z) per row, up to a constant: |z|^2 / 2 for `normal`, 0 inside the box for `uniform`."""
    import tensorflow as tf

    if prior == "normal":
        return 0.5 * tf.reduce_sum(tf.square(z), axis=-1)
    return tf.zeros(tf.shape(z)[:1], z.dtype)


def energy_function(generate, discriminators, prior):
    """E: z -> [N] energies, from `generate` (z -> images per domain) and one discriminator call per domain (images
    -> logits [N] or [N, 1]); the logits of every domain are summed on the images of the same z."""
    import tensorflow as tf

    def energy(z):
        logits = [tf.reshape(tf.cast(d(x), tf.float32), [-1]) for d, x in zip(discriminators, generate(z))]
        return negative_log_prior(z, prior) - tf.add_n(logits)

    return energy


def reflect_into_box(z):
    """Fold every coordinate into [-1, 1] by reflecting at the faces (1.5 -> 0.5, -3.5 -> 0.5)."""
    import numpy as np

    return (1.0 - np.abs(np.mod(z + 1.0, 4.0) - 2.0)).astype(z.dtype)


def energy_and_gradient(energy):
    """The compiled z -> (E(z) [N], dE/dz [N, d]) of an energy z -> [N]: the gradient of the summed energy, which is
    each row's own gradient only when rows do not interact, so nets must run in inference mode (batch norm on its
    moving statistics)."""
    import tensorflow as tf

    @tf.function(reduce_retracing=True)
    def compiled(z):
        with tf.GradientTape() as tape:
            tape.watch(z)
            e = energy(z)
        return e, tape.gradient(e, z)

    return compiled


def langevin(gradient, z, steps=STEPS, step_size=STEP_SIZE, noise_scale=NOISE_SCALE, rng=None, prior="normal"):
    """Run `steps` Langevin updates from the rows of `z`, `gradient` being z -> (E(z), dE/dz) (energy_and_gradient);
    returns (z after the last step, energies [steps + 1, N]: row t is E before update t, the last row E of the
    returned z). Zero steps return a copy of `z` unchanged."""
    import numpy as np

    rng = rng if rng is not None else np.random.default_rng()
    z = np.array(z, np.float32, copy=True)
    drift, spread = np.float32(step_size / 2), np.float32(noise_scale * math.sqrt(step_size))
    energies = []
    for _ in range(steps):
        e, grad = gradient(z)
        energies.append(np.asarray(e))
        z = z - drift * np.asarray(grad) + spread * rng.standard_normal(z.shape).astype(np.float32)
        if prior == "uniform":
            z = reflect_into_box(z)
    energies.append(np.asarray(gradient(z)[0]))
    return z, np.stack(energies)


def ddls(generate, discriminators, z, steps=STEPS, step_size=STEP_SIZE, noise_scale=NOISE_SCALE, rng=None,
         prior="normal"):
    """DDLS on a generator call (z -> images per domain) and its discriminator calls (one per domain): the z after
    `steps` Langevin updates on E(z) = -log p0(z) - sum_i d_i(G_i(z)), and the energies along the chains."""
    gradient = energy_and_gradient(energy_function(generate, discriminators, prior))
    return langevin(gradient, z, steps, step_size, noise_scale, rng, prior)


class RunSampler:
    """DDLS on a restored run (Trainers.restore.restore_run(..., discriminators=True)): a latent transform
    z -> DDLS z for `sample` and `evaluate`, whose energies and summed logits before and after are accumulated
    over every batch it transforms; `energies` holds the last batch's chains ([steps + 1, N], as langevin)."""

    def __init__(self, run, settings: DDLSSettings, prior):
        import numpy as np

        from Utils.evaluation import MeanSE

        generators = run.generators

        def generate(z):
            return generators.images(generators.joint(z, training=False))

        discriminators = [lambda x, d=d: d(x, training=False) for d in run.discriminators]
        self.gradient = energy_and_gradient(energy_function(generate, discriminators, prior))
        self.settings, self.prior = settings, prior
        self.rng = np.random.default_rng([settings.seed, NOISE_STREAM])
        self.stats = {key: MeanSE() for key in ("energy_start", "energy_end", "logit_start", "logit_end")}
        self.energies = None

    def __call__(self, z):
        s = self.settings
        moved, energies = langevin(self.gradient, z, s.steps, s.step_size, s.noise_scale, self.rng, self.prior)
        self.energies = energies
        for when, latents, energy_row in (("start", z, energies[0]), ("end", moved, energies[-1])):
            self.stats[f"energy_{when}"].add(energy_row)
            self.stats[f"logit_{when}"].add(self._neg_log_prior(latents) - energy_row)
        return moved

    def _neg_log_prior(self, z):
        import numpy as np

        return np.asarray(negative_log_prior(np.asarray(z, np.float32), self.prior))

    def summary(self):
        """The settings and the mean ± s.e. of energy and summed logit before and after, for evaluation_ddls.json."""
        s = self.settings
        out = {"steps": s.steps, "step_size": s.step_size, "noise_scale": s.noise_scale, "seed": s.seed,
               "prior": self.prior}
        out.update({key: {"mean": stat.mean, "se": stat.se} for key, stat in self.stats.items()})
        return out


def describe(summary):
    """One line saying what DDLS did, for the printed report and the head of evaluation_ddls.md."""
    s = summary
    return (f"DDLS: {s['steps']} Langevin steps (step size {s['step_size']}, noise scale {s['noise_scale']}, prior "
            f"{s['prior']}): mean energy {s['energy_start']['mean']:.4f} -> {s['energy_end']['mean']:.4f}, mean "
            f"summed logit {s['logit_start']['mean']:.4f} -> {s['logit_end']['mean']:.4f}")
