"""Training with progressive growing (Karras et al. 2018; the nets are Nets/progressive.py): which level each step
trains, the compiled calls per level, and sample grids named by their resolution.

The level is a Python int, so each level has its own compiled step (traced once when the run reaches it); alpha is
read from the trainer's step counter inside the step. Both are pure functions of the step, so a run resumed in the
middle of a fade trains exactly what an uninterrupted one would: the checkpoint's step, weights and optimiser state
are all it needs.
"""
import math

from Nets.progressive import Growth, GrowthSchedule, final_level


def schedule(cfg):
    """The configured growth: from --prog-start to --image-size, --prog-images images per fade and per
    stabilisation (in generator steps of --batch-size images, rounded up); None without --progressive."""
    m = cfg.model
    if not m.progressive:
        return None
    return GrowthSchedule(final_level(m.prog_start), final_level(cfg.data.image_size),
                          math.ceil(m.prog_images / cfg.optimisation.batch_size))


def growth(cfg):
    """The Growth the progressive nets of one setup share (None for other architectures)."""
    if cfg.model.arch != "progressive":
        return None
    return Growth(cfg.data.image_size, schedule(cfg))


class GrowingCalls:
    """(iterator, n) -> {metric: [steps] values}, like AdversarialTrainer.compiled_steps, but with one compiled
    call per level: a call that would cross a level change runs as two, so every step trains its own level."""

    def __init__(self, trainer, steps_per_call, stop=None):
        import warnings

        # Below the final level the higher blocks get no gradient, by design; Keras would warn at every level's trace.
        warnings.filterwarnings("ignore", message="Gradients do not exist for variables", category=UserWarning)
        self.trainer, self.steps_per_call, self.stop = trainer, steps_per_call, stop
        self.growth = trainer.growth
        self.calls = {}

    def _at(self, step):
        """The compiled call of `step`'s level, with the nets set to that level (also for the grids after it)."""
        level = self.growth.schedule.level(step)
        self.growth.level = level
        if level not in self.calls:
            self.calls[level] = self.trainer.compiled_steps(self.steps_per_call, stop=self.stop)
        return self.calls[level]

    def get_concrete_function(self, iterator, n):
        """Trace the current level's call (Trainers/calls.py traces the first call in the main thread)."""
        return self._at(int(self.trainer.step.numpy())).get_concrete_function(iterator, n)

    def __call__(self, iterator, n):
        import tensorflow as tf

        step, left, parts = int(self.trainer.step.numpy()), int(n), []
        while left:
            change = self.growth.schedule.next_change(step)
            k = left if change is None else min(left, change - step)
            part = self._at(step)(iterator, tf.constant(k))
            parts.append(part)
            done = int(next(iter(part.values())).shape[0])
            step, left = step + done, left - k
            if done < k:  # the stop variable ended the call early
                break
        self.growth.level = self.growth.schedule.level(step - 1)  # the level just trained, for the grids
        return {name: tf.concat([part[name] for part in parts], 0) for name in parts[0]}


def run_steps(trainer, steps_per_call, stop=None):
    """The training loop's compiled calls: per level under --progressive, else the trainer's own."""
    if trainer.growth is not None and trainer.growth.schedule is not None:
        return GrowingCalls(trainer, steps_per_call, stop)
    return trainer.compiled_steps(steps_per_call, stop=stop)


def resolution_samples(write, growth):
    """`write` (Trainers/hooks.py's sample writers) with the grid's resolution in its file name
    (samples/step_0000500_8x8.png); the images are the level's, repeated up to the final size."""

    def write_at_resolution(generators, z, path, log=None, step=None):
        side = 4 * 2 ** growth.current()[0]
        return write(generators, z, path.with_name(f"{path.stem}_{side}x{side}{path.suffix}"), log, step)

    return write_at_resolution
