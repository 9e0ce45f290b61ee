"""Per-step metrics to metrics.csv and TensorBoard, and the losses.png summary plot."""
import csv
from pathlib import Path

import numpy as np


class RunLog:
    """Appends one CSV row per logged step; the header grows only when a run starts or resumes."""

    def __init__(self, out_dir, resume_step=None):
        import tensorflow as tf

        self.path = Path(out_dir) / "metrics.csv"
        if resume_step is not None and self.path.exists():
            self._truncate_after(resume_step)
        self.writer = tf.summary.create_file_writer(str(Path(out_dir) / "tensorboard"))
        self.columns = self._existing_columns()

    def _existing_columns(self):
        if not self.path.exists():
            return None
        with open(self.path, newline="") as f:
            return next(csv.reader(f), None)

    def _truncate_after(self, step):
        """Drop rows logged after the checkpoint we resume from, so the CSV continues exactly."""
        with open(self.path, newline="") as f:
            rows = list(csv.reader(f))
        kept = [rows[0]] + [r for r in rows[1:] if int(r[0]) <= step]
        with open(self.path, "w", newline="") as f:
            csv.writer(f).writerows(kept)

    def log(self, step, metrics):
        import tensorflow as tf

        if self.columns is None:
            self.columns = ["step"] + sorted(metrics)
            with open(self.path, "w", newline="") as f:
                csv.writer(f).writerow(self.columns)
        with open(self.path, "a", newline="") as f:
            csv.writer(f).writerow([step] + [repr(float(metrics[c])) if c in metrics else "" for c in self.columns[1:]])
        with self.writer.as_default(step=step):
            for name, value in metrics.items():
                tf.summary.scalar(name, value)

    def image(self, step, name, grid_uint8):
        import tensorflow as tf

        with self.writer.as_default(step=step):
            tf.summary.image(name, grid_uint8[None])

    def close(self):
        self.writer.flush()
        self.writer.close()


def plot_losses(metrics_csv, out_png):
    """One panel per metric family (discriminator, generator, penalties and couplings); nothing before a row
    is logged."""
    if not Path(metrics_csv).is_file():
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with open(metrics_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return
    steps = np.array([int(r["step"]) for r in rows])
    names = [c for c in rows[0] if c != "step"]
    groups = {
        "discriminator": [n for n in names if n.startswith("d")],
        "generator": [n for n in names if n.startswith("g")],
        "other": [n for n in names if not n.startswith(("d", "g"))],
    }
    groups = {k: v for k, v in groups.items() if v}
    fig, axes = plt.subplots(len(groups), 1, figsize=(8, 3 * len(groups)), squeeze=False)
    for ax, (title, cols) in zip(axes[:, 0], groups.items()):
        for col in cols:
            values = np.array([float(r[col]) if r[col] else np.nan for r in rows])
            ax.plot(steps, values, label=col, linewidth=0.8)
        ax.set_title(title)
        ax.legend(fontsize=7)
    axes[-1, 0].set_xlabel("iteration")
    fig.tight_layout()
    fig.savefig(out_png, dpi=100)
    plt.close(fig)
