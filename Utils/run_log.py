"""Per-step metrics to metrics.csv and TensorBoard, and the losses.png and quality.png summary plots."""
import csv
import io
from pathlib import Path

import numpy as np

from Utils.atomic import write_text

# The quality measures of --eval-every (Trainers/quality.py), by column prefix, one quality.png panel each; losses.png
# leaves them out.
QUALITY_PANELS = {"classifier-feature FID": "fid_", "pair agreement": "pair_agreement", "LPIPS": "lpips_"}


def is_quality(column):
    return column.startswith(tuple(QUALITY_PANELS.values()))


class RunLog:
    """Appends one CSV row per logged step. A row bringing new columns (the quality measures, at their first
    evaluation or when a resumed run adds --eval-every) widens the header; earlier rows leave them empty."""

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
        new = sorted(set(metrics) - set(self.columns))
        if new:
            self._widen(new)
        with open(self.path, "a", newline="") as f:
            csv.writer(f).writerow([step] + [repr(float(metrics[c])) if c in metrics else "" for c in self.columns[1:]])
        with self.writer.as_default(step=step):
            for name, value in metrics.items():
                tf.summary.scalar(name, value)

    def _widen(self, new_columns):
        """Rewrite the CSV (atomically) with `new_columns` appended to the header and empty in every row so far."""
        with open(self.path, newline="") as f:
            rows = list(csv.reader(f))[1:]
        self.columns = self.columns + new_columns
        text = io.StringIO()
        csv.writer(text).writerows([self.columns] + [row + [""] * len(new_columns) for row in rows])
        write_text(self.path, text.getvalue())

    def image(self, step, name, grid_uint8):
        import tensorflow as tf

        with self.writer.as_default(step=step):
            tf.summary.image(name, grid_uint8[None])

    def close(self):
        self.writer.flush()
        self.writer.close()


def _read_metrics(metrics_csv):
    """(steps, {column: values with NaN where a row left it empty}) of metrics.csv, or None before its first row."""
    if not Path(metrics_csv).is_file():
        return None
    with open(metrics_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        return None
    columns = {c: np.array([float(r[c]) if r[c] else np.nan for r in rows]) for c in rows[0] if c != "step"}
    return np.array([int(r["step"]) for r in rows]), columns


def _plot_panels(panels, out_png, xlabel="iteration", marker=None):
    """One panel per {title: {label: (x, y)}}, a line per label; nothing without panels."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = {title: lines for title, lines in panels.items() if lines}
    if not panels:
        return
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 3 * len(panels)), squeeze=False)
    for ax, (title, lines) in zip(axes[:, 0], panels.items()):
        for label, (x, y) in lines.items():
            ax.plot(x, y, label=label, linewidth=0.8, marker=marker, markersize=3)
        ax.set_title(title)
        ax.legend(fontsize=7)
    axes[-1, 0].set_xlabel(xlabel)
    fig.tight_layout()
    fig.savefig(out_png, dpi=100)
    plt.close(fig)


def _lines(steps, columns, names):
    """{column: (steps, values)} where each column has a value."""
    present = {name: ~np.isnan(columns[name]) for name in names}
    return {name: (steps[present[name]], columns[name][present[name]]) for name in names}


def read_quality_curve(metrics_csv, column):
    """(steps, values) of one metrics.csv column where it was measured, or None if the run never logged it."""
    read = _read_metrics(metrics_csv)
    if read is None or column not in read[1]:
        return None
    return _lines(*read, [column])[column]


def plot_curves(curves, ylabel, xlabel, out_png):
    """Several runs' curves of one measure on one axis, {label: (x, y)}: a comparison like seed report 003's
    FID plots, one line per run."""
    _plot_panels({ylabel: curves}, out_png, xlabel, marker="o")


def plot_losses(metrics_csv, out_png):
    """One panel per metric family (discriminator, generator, penalties and couplings); nothing before a row
    is logged."""
    read = _read_metrics(metrics_csv)
    if read is None:
        return
    steps, columns = read
    names = [c for c in columns if not is_quality(c)]
    _plot_panels({
        "discriminator": _lines(steps, columns, [n for n in names if n.startswith("d")]),
        "generator": _lines(steps, columns, [n for n in names if n.startswith("g")]),
        "other": _lines(steps, columns, [n for n in names if not n.startswith(("d", "g"))]),
    }, out_png)


def plot_quality(metrics_csv, out_png):
    """The quality measures against the iterations, as the FID plots of the seed report 003 (one panel per
    measure: FID per domain, pair agreement, the LPIPS rows); nothing before one is logged."""
    read = _read_metrics(metrics_csv)
    if read is None:
        return
    steps, columns = read
    measured = [c for c in columns if not np.isnan(columns[c]).all()]
    panels = {title: _lines(steps, columns, [c for c in measured if c.startswith(prefix)])
              for title, prefix in QUALITY_PANELS.items()}
    _plot_panels(panels, out_png, marker="o")
