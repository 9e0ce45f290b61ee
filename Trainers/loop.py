"""The one training loop: data, compiled steps, logging, samples, checkpoints, export.

GAN, CoGAN and SCoGAN differ only in the TrainingSetup they build; everything here is shared. With
--steps-per-call N the compiled call runs N steps; metrics come back for every step, while samples and
checkpoints (and SIGTERM) wait for the end of a call. Under a multi-worker strategy only the chief writes
outputs; every worker saves checkpoints (saving may need collectives), the others into worker_<i>/.
"""
import json
import math
import shutil
import signal
from pathlib import Path

import numpy as np

from Utils.atomic import write_text
from Trainers import config
from Trainers.config import Machine, check_machine
from Utils.errors import UserError
from Utils.latents import draw_latents


class NonFiniteLoss(UserError):
    """A loss or penalty went NaN/Inf; training stopped before saving anything from that step."""


class _StopRequest:
    """Turns SIGTERM and a first Ctrl-C into a flag the loop checks between calls, so it can checkpoint and exit
    cleanly; a second Ctrl-C interrupts at once."""

    def __init__(self):
        self.requested = False
        self._previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGTERM, signal.SIGINT)}

    def _handle(self, signum, frame):
        if self.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        self.requested = True

    def restore(self):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


class _NoLog:
    """What a non-chief worker logs: nothing."""

    def log(self, step, metrics):
        pass

    def image(self, step, name, grid):
        pass

    def close(self):
        pass


def _fixed_z(out_dir, cfg):
    """The latent vectors of every sample grid, saved so a resumed run draws the same ones."""
    path = Path(out_dir) / "fixed_z.npy"
    if path.exists():
        return np.load(path)
    rng = np.random.default_rng(cfg.optimisation.seed)
    z = draw_latents(rng, cfg.model.noise, (cfg.output.sample_count, cfg.model.latent_dim))
    np.save(path, z)
    return z


def write_samples(generators, z, path, log=None, step=None):
    from Utils.images import pair_grid, save_png

    images = [np.asarray(x, dtype=np.float32) for x in generators.images(generators.joint(z, training=False))]
    grid = pair_grid(images, columns=min(8, len(z)))
    save_png(grid, path)
    if log is not None:
        log.image(step, "samples", grid)
    return grid


def _sample_writer(cfg, sources):
    """Image grids, or for 2D points (the toy ring) scatter plots of generated over real points."""
    if cfg.data.image_size is not None:
        return write_samples
    from Data.ring import RingSamples

    return RingSamples(sources[0].points)


def _first_non_finite(metrics):
    for name, value in sorted(metrics.items()):
        if not math.isfinite(value):
            return name
    return None


def _report_non_finite(out, step, name, metrics, latest, write):
    """Write nonfinite.json (which term, at which step, every term's value) and return the exception to raise."""
    path = Path(out) / "nonfinite.json"
    if write:
        record = {"step": step, "term": name, "value": str(metrics[name]), "last_good_checkpoint": latest,
                  "metrics": {k: v if math.isfinite(v) else str(v) for k, v in sorted(metrics.items())}}
        write_text(path, json.dumps(record, indent=2))
    return NonFiniteLoss(
        f"'{name}' became {metrics[name]} at step {step} (recorded in {path}); stopped without saving this step. "
        f"The last good checkpoint in {Path(out) / 'checkpoints'} is untouched. Try a lower --lr, "
        f"--penalty gp, or a smaller coupling weight, then --resume or start afresh.")


def _agree_to_stop(strategy, requested):
    """Whether any worker of a multi-worker run was asked to stop, so that all stop at the same step."""
    import tensorflow as tf

    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return requested
    flags = strategy.experimental_distribute_values_from_function(lambda ctx: tf.constant(float(requested)))
    return float(strategy.reduce(tf.distribute.ReduceOp.SUM, flags, axis=None)) > 0


def train(cfg, resume=False, replace=False):
    """Run (or with `resume`, continue) training as configured; returns the run directory. `replace` (--overwrite)
    removes a run already in cfg.output.out, but only once the new run has started up, so a start-up error leaves
    the old one intact."""
    import tensorflow as tf

    from Trainers.distribute import chief_task, make_strategy
    from Trainers.precision import dtype_policy, policy_name

    gpus = tf.config.list_physical_devices("GPU")
    policy = policy_name(cfg.engine.mixed_precision, gpus)
    if cfg.engine.deterministic:
        tf.config.experimental.enable_op_determinism()
    strategy = make_strategy(cfg.engine.strategy)  # first: a multi-worker strategy must exist before other TF work
    check_machine(cfg, Machine(gpus=len(gpus), replicas=strategy.num_replicas_in_sync))
    with dtype_policy(policy):
        return _train(cfg, strategy, chief_task() if cfg.engine.strategy == "multiworker" else True, resume, replace)


def _build(cfg, strategy):
    """Data sources, nets and trainer; raises before the run directory is touched."""
    import tensorflow as tf

    from Data.domains import load_domains
    from Trainers.adversarial import AdversarialTrainer
    from Trainers.builders import build_setup
    from Trainers.distribute import synchronise_batch_norm

    replicas = strategy.num_replicas_in_sync
    tf.keras.utils.set_random_seed(cfg.optimisation.seed)
    sources = load_domains(cfg.data.dataset, cfg.data.data_dir, cfg.data.folder, cfg.data.image_size, cfg.optimisation.seed, attribute=cfg.data.attribute,
                           svhn_classifier=cfg.data.svhn_classifier)
    with strategy.scope():
        setup = build_setup(cfg)
    if replicas > 1:
        synchronise_batch_norm([setup.generators.joint, *setup.discriminators, *setup.auxiliaries.values()])
    return sources, setup, AdversarialTrainer(setup, cfg, strategy)


def _train(cfg, strategy, chief, resume, replace):
    import tensorflow as tf
    from tqdm import tqdm

    from Data.pipeline import batched_stream
    from Trainers.checkpoints import checkpoint_manager, restore_latest
    from Trainers.distribute import distribute_batches, tf_config_task
    from Trainers.export import export_generators
    from Utils.run_log import RunLog, plot_losses

    out = Path(cfg.output.out)
    created = not out.exists()
    sources, setup, trainer = _build(cfg, strategy)
    # Only now, with data and nets built, does --out become a run directory.
    if chief and replace and out.exists():
        shutil.rmtree(out)
        created = True
    if chief:
        (out / "samples").mkdir(parents=True, exist_ok=True)
        config.save(cfg, out)
    own_dir = out / "checkpoints" if chief else out / f"worker_{tf_config_task()[1]}" / "checkpoints"
    manager = checkpoint_manager(trainer, str(own_dir), cfg.output.keep_checkpoints if chief else 1)
    started = False
    try:
        start = 0
        if resume:
            path = restore_latest(trainer, out / "checkpoints")
            if path:
                start = int(trainer.step.numpy())
                print(f"Resuming {out} from step {start} ({path})")

        streams = [batched_stream(s, cfg.optimisation.batch_size * cfg.objective.n_critic, cfg.optimisation.seed + i, start_batch=start)
                   for i, s in enumerate(sources)]
        iterator = iter(distribute_batches(strategy, streams, cfg.optimisation.batch_size, cfg.objective.n_critic))
        run_steps = trainer.compiled_steps(cfg.engine.steps_per_call)
        log = RunLog(out, resume_step=start if resume else None) if chief else _NoLog()
        fixed_z = _fixed_z(out, cfg) if chief else None
        sample = _sample_writer(cfg, sources)
        stop = _StopRequest()
        step = start
        try:
            with tqdm(total=cfg.optimisation.iterations, initial=start, unit="it", dynamic_ncols=True,
                      disable=cfg.output.quiet or not chief) as bar:
                while step < cfg.optimisation.iterations:
                    n = min(cfg.engine.steps_per_call - step % cfg.engine.steps_per_call, cfg.optimisation.iterations - step)
                    block = {k: v.numpy() for k, v in run_steps(iterator, tf.constant(n)).items()}
                    started = True
                    for j in range(n):
                        step += 1
                        metrics = {k: float(v[j]) for k, v in block.items()}
                        bad = _first_non_finite(metrics)
                        if bad:
                            raise _report_non_finite(out, step, bad, metrics, manager.latest_checkpoint, chief)
                        if step % cfg.output.log_every == 0 or step == cfg.optimisation.iterations:
                            log.log(step, metrics)
                            bar.set_postfix({k: f"{v:.3f}" for k, v in metrics.items() if k in ("d_total", "g_total")})
                    if chief and (step % cfg.output.sample_every == 0 or step == cfg.optimisation.iterations):
                        sample(setup.generators, fixed_z, out / "samples" / f"step_{step:07d}.png", log, step)
                    if step % cfg.output.checkpoint_every == 0:
                        manager.save(checkpoint_number=step)
                    bar.update(n)
                    if _agree_to_stop(strategy, stop.requested):
                        raise KeyboardInterrupt
        except NonFiniteLoss:
            log.close()
            raise
        except KeyboardInterrupt:
            step = int(trainer.step.numpy())
            manager.save(checkpoint_number=step)
            log.close()
            print(f"\nInterrupted at step {step}; checkpoint saved in {out / 'checkpoints'}.\n"
                  f"Resume with: python main.py train --out {out} --resume")
            return out
        finally:
            stop.restore()
    except BaseException:
        if not started and created and chief and not resume:
            shutil.rmtree(out, ignore_errors=True)  # a start-up failure leaves no half-made run behind
        raise
    log.close()
    manager.save(checkpoint_number=step)
    if not chief:
        return out
    plot_losses(out / "metrics.csv", out / "losses.png")
    paths = export_generators(setup.generators, out / "export")
    print(f"Done: {step} iterations. Samples in {out / 'samples'}, generators exported to "
          + ", ".join(str(p) for p in paths))
    return out
