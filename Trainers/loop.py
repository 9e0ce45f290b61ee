"""The one training loop: data, compiled steps, logging, samples, checkpoints, export.

GAN, CoGAN and SCoGAN differ only in the TrainingSetup they build; everything here is shared.
"""
import json
import math
import signal
from pathlib import Path

import numpy as np

from Utils.atomic import write_text


class NonFiniteLoss(RuntimeError):
    """A loss or penalty went NaN/Inf; training stopped before saving anything from that step."""


class _StopRequest:
    """Turns SIGTERM into a flag the loop checks between steps, so it can checkpoint and exit cleanly."""

    def __init__(self):
        self.requested = False
        self._previous = signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, frame):
        self.requested = True

    def restore(self):
        signal.signal(signal.SIGTERM, self._previous)


def _fixed_z(out_dir, cfg):
    """The latent vectors of every sample grid, saved so a resumed run draws the same ones."""
    path = Path(out_dir) / "fixed_z.npy"
    if path.exists():
        return np.load(path)
    rng = np.random.default_rng(cfg.seed)
    shape = (cfg.sample_count, cfg.latent_dim)
    z = rng.standard_normal(shape) if cfg.noise == "normal" else rng.uniform(-1, 1, shape)
    z = z.astype(np.float32)
    np.save(path, z)
    return z


def write_samples(generators, z, path, log=None, step=None):
    from Utils.images import pair_grid, save_png

    images = [np.asarray(x) for x in generators.images(generators.joint(z, training=False))]
    grid = pair_grid(images, columns=min(8, len(z)))
    save_png(grid, path)
    if log is not None:
        log.image(step, "samples", grid)
    return grid


def _sample_writer(cfg, sources):
    """Image grids, or for 2D points (the toy ring) scatter plots of generated over real points."""
    if cfg.image_size is not None:
        return write_samples
    from Data.ring import RingSamples

    return RingSamples(sources[0].points)


def _first_non_finite(metrics):
    for name, value in sorted(metrics.items()):
        if not math.isfinite(value):
            return name
    return None


def train(cfg):
    """Run (or resume) training as configured; returns the run directory."""
    import tensorflow as tf
    from tqdm import tqdm

    from Data.domains import load_domains
    from Data.pipeline import batched_stream
    from Trainers.adversarial import AdversarialTrainer
    from Trainers.builders import build_setup
    from Trainers.checkpoints import checkpoint_manager
    from Trainers.export import export_generators
    from Utils.run_log import RunLog, plot_losses

    out = Path(cfg.out)
    (out / "samples").mkdir(parents=True, exist_ok=True)
    write_text(out / "config.json", json.dumps(vars(cfg), indent=2, sort_keys=True))

    tf.keras.utils.set_random_seed(cfg.seed)
    sources = load_domains(cfg.dataset, cfg.data_dir, cfg.folder, cfg.image_size, cfg.seed, attribute=cfg.attribute,
                           svhn_classifier=cfg.svhn_classifier)
    setup = build_setup(cfg)
    trainer = AdversarialTrainer(setup, cfg)
    manager = checkpoint_manager(trainer, str(out / "checkpoints"), cfg.keep_checkpoints)
    start = 0
    if cfg.resume and manager.latest_checkpoint:
        manager.checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
        start = int(trainer.step.numpy())
        print(f"Resuming {out} from step {start} ({manager.latest_checkpoint})")

    streams = [batched_stream(s, cfg.batch_size * cfg.n_critic, cfg.seed + i, start_batch=start)
               for i, s in enumerate(sources)]
    iterator = iter(tf.data.Dataset.zip(tuple(streams)))
    step_fn = trainer.compiled_step()
    log = RunLog(out, resume_step=start if cfg.resume else None)
    fixed_z = _fixed_z(out, cfg)
    sample = _sample_writer(cfg, sources)
    stop = _StopRequest()
    step = start
    try:
        with tqdm(total=cfg.iterations, initial=start, unit="it", dynamic_ncols=True, disable=cfg.quiet) as bar:
            while step < cfg.iterations:
                metrics = {k: float(v) for k, v in step_fn(next(iterator)).items()}
                step += 1
                bad = _first_non_finite(metrics)
                if bad:
                    raise NonFiniteLoss(
                        f"'{bad}' became {metrics[bad]} at step {step}; stopped without saving this step. "
                        f"The last good checkpoint in {out / 'checkpoints'} is untouched. Try a lower --lr, "
                        f"--penalty gp, or a smaller coupling weight, then --resume or start afresh.")
                if step % cfg.log_every == 0 or step == cfg.iterations:
                    log.log(step, metrics)
                    bar.set_postfix({k: f"{v:.3f}" for k, v in metrics.items() if k in ("d_total", "g_total")})
                if step % cfg.sample_every == 0 or step == cfg.iterations:
                    sample(setup.generators, fixed_z, out / "samples" / f"step_{step:07d}.png", log, step)
                if step % cfg.checkpoint_every == 0:
                    manager.save(checkpoint_number=step)
                bar.update(1)
                if stop.requested:
                    raise KeyboardInterrupt
    except KeyboardInterrupt:
        manager.save(checkpoint_number=step)
        log.close()
        print(f"\nInterrupted at step {step}; checkpoint saved in {out / 'checkpoints'}.\n"
              f"Resume with: python main.py train --out {out} --resume")
        return out
    finally:
        stop.restore()
    log.close()
    manager.save(checkpoint_number=step)
    plot_losses(out / "metrics.csv", out / "losses.png")
    paths = export_generators(setup.generators, out / "export")
    print(f"Done: {step} iterations. Samples in {out / 'samples'}, generators exported to "
          + ", ".join(str(p) for p in paths))
    return out
