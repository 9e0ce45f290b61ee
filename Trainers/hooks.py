"""What the training loop does at its boundaries: objects passed in, like Keras's callbacks.

Trainers/calls.py:run_calls calls, on every hook in list order:
- `on_step(step, metrics)` for each training step of a compiled call, in order (metrics: {name: float}; a hook
  may add entries for the hooks after it, as Quality adds its measures to the row MetricsLog writes);
- `on_call(step)` after each compiled call, when the nets hold the weights after `step`;
- `on_end(step)` when the run has reached its iterations;
- `on_interrupt(step)` when SIGTERM or Ctrl-C stopped it after `step`;
- `close()` last, always, also after an error.
Trainers/loop.py builds the run's list; `train(..., hooks=[...])` appends more.
"""
import math

import numpy as np

from Utils.errors import UserError


class Hook:
    """Does nothing at every boundary; a hook overrides the boundaries it acts on."""

    def on_step(self, step, metrics):
        pass

    def on_call(self, step):
        pass

    def on_end(self, step):
        pass

    def on_interrupt(self, step):
        pass

    def close(self):
        pass


class NonFiniteLoss(UserError):
    """A loss or penalty went NaN/Inf; training stopped before saving anything from that step."""


class NonFiniteGuard(Hook):
    """Stops the run at the first NaN/Inf metric. First in the list, it raises before any other hook sees that
    step, so the step is neither logged nor checkpointed and the last good checkpoint stays the newest."""

    def __init__(self, run_dir, checkpoints):
        self.run_dir = run_dir
        self.checkpoints = checkpoints  # the tf.train.CheckpointManager

    def on_step(self, step, metrics):
        bad = next((name for name, value in sorted(metrics.items()) if not math.isfinite(value)), None)
        if bad is None:
            return
        path = self.run_dir.record_non_finite(step, bad, metrics, self.checkpoints.latest_checkpoint)
        raise NonFiniteLoss(
            f"'{bad}' became {metrics[bad]} at step {step} (recorded in {path}); stopped without saving this step. "
            f"The last good checkpoint in {self.run_dir.checkpoints} is untouched. Try a lower --lr, --penalty gp, "
            f"or a smaller coupling weight, then --resume or start afresh.")


class MetricsLog(Hook):
    """A metrics.csv and TensorBoard row every `every` steps, at the last one and at every step that has quality
    measures (Utils/run_log.RunLog)."""

    def __init__(self, log, every, iterations):
        self.log, self.every, self.iterations = log, every, iterations

    def on_step(self, step, metrics):
        from Utils.run_log import is_quality

        if step % self.every == 0 or step == self.iterations or any(map(is_quality, metrics)):
            self.log.log(step, metrics)

    def close(self):
        self.log.close()


class ProgressBar(Hook):
    """tqdm's bar over the run's iterations, showing the total losses of the last logged step."""

    def __init__(self, iterations, start, every, disable):
        from tqdm import tqdm

        self.every = every
        self.bar = tqdm(total=iterations, initial=start, unit="it", dynamic_ncols=True, disable=disable)

    def on_step(self, step, metrics):
        self.bar.update(1)
        if step % self.every == 0:
            self.bar.set_postfix({k: f"{v:.3f}" for k, v in metrics.items() if k in ("d_total", "g_total")})

    def close(self):
        self.bar.close()


class Quality(Hook):
    """The run's quality measures on a fixed sample (Trainers/quality.py: `measure()` -> {column: value}) at the
    first call boundary at or after every `every` steps, added to that step's metrics so that MetricsLog, after it
    in the list, writes them to metrics.csv and TensorBoard; quality.png is redrawn from metrics.csv after each."""

    def __init__(self, measure, every, steps_per_call, iterations, run_dir):
        self.measure, self.every, self.steps_per_call, self.iterations, self.run_dir = (
            measure, every, steps_per_call, iterations, run_dir)
        self.measured = None

    def on_step(self, step, metrics):
        from Trainers.quality import evaluation_due

        # A due step ends its call (it lies on the calls' grid), so the nets hold the weights after it.
        if evaluation_due(step, self.every, self.steps_per_call, self.iterations):
            metrics.update(self.measure())
            self.measured = step

    def on_call(self, step):
        from Utils.run_log import plot_quality

        if step == self.measured:
            plot_quality(self.run_dir.metrics, self.run_dir.quality_plot)


class Checkpoints(Hook):
    """A checkpoint every `every` steps, at the end and on interruption, each step saved once."""

    def __init__(self, manager, every):
        self.manager, self.every = manager, every
        self.saved = None

    def save(self, step):
        if step != self.saved:
            self.manager.save(checkpoint_number=step)
            self.saved = step

    def on_call(self, step):
        if step % self.every == 0:
            self.save(step)

    def on_end(self, step):
        self.save(step)

    def on_interrupt(self, step):
        self.save(step)


def write_samples(generators, z, path, log=None, step=None):
    """The pair grid of the generators' images of `z` (top rows domain 1, bottom rows domain 2), to a PNG and
    TensorBoard."""
    from Utils.images import pair_grid, save_png

    images = [np.asarray(x, dtype=np.float32) for x in generators.images(generators.joint(z, training=False))]
    grid = pair_grid(images, columns=min(8, len(z)))
    save_png(grid, path)
    if log is not None:
        log.image(step, "samples", grid)
    return grid


def write_translations(translators, inputs, path, log=None, step=None):
    """The translation grid of the fixed real `inputs` (Nets/translators.py:TranslatorSet.sample_rows: per
    direction, rows of inputs, translations and reconstructions or targets), to a PNG and TensorBoard."""
    from Utils.images import pair_grid, save_png

    rows = [np.asarray(x, dtype=np.float32) for x in translators.sample_rows(inputs)]
    grid = pair_grid(rows, columns=min(8, len(inputs[0])))
    save_png(grid, path)
    if log is not None:
        log.image(step, "samples", grid)
    return grid


class SampleGrids(Hook):
    """A sample grid of the fixed latent vectors after the first compiled call (something to look at within a
    minute of the start), every `every` steps, at the end and on interruption.

    `write(generators, z, path, log, step)` draws it: write_samples, write_translations (z: the fixed real
    images) or Data/ring.RingSamples for 2D points."""

    def __init__(self, write, generators, z, run_dir, log, every):
        self.write, self.generators, self.z, self.run_dir, self.log, self.every = (
            write, generators, z, run_dir, log, every)
        self.written = None

    def sample(self, step):
        if step != self.written:
            self.write(self.generators, self.z, self.run_dir.sample_path(step), self.log, step)
            self.written = step

    def on_call(self, step):
        if self.written is None or step % self.every == 0:
            self.sample(step)

    def on_end(self, step):
        self.sample(step)

    def on_interrupt(self, step):
        self.sample(step)


class LossPlot(Hook):
    """losses.png from metrics.csv, at the end and on interruption."""

    def __init__(self, run_dir):
        self.run_dir = run_dir

    def plot(self, step):
        from Utils.run_log import plot_losses

        plot_losses(self.run_dir.metrics, self.run_dir.losses_plot)

    on_end = on_interrupt = plot


class Export(Hook):
    """The generators (and the couplings' jointly trained nets, e.g. the cycle encoder that `translate` starts
    from) as SavedModels in export/ with the run's record (model.json), at the end."""

    def __init__(self, generators, run_dir, cfg, auxiliaries):
        self.generators, self.run_dir, self.cfg, self.auxiliaries = generators, run_dir, cfg, auxiliaries

    def on_end(self, step):
        from Trainers.export import export_auxiliaries, export_generators, write_record

        paths = export_generators(self.generators, self.run_dir.exports)
        paths += export_auxiliaries(self.auxiliaries, self.run_dir.exports)
        write_record(self.cfg, self.run_dir.exports)
        print(f"Done: {step} iterations. Samples in {self.run_dir.samples}, generators exported to "
              + ", ".join(str(p) for p in paths))
