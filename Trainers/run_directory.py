"""--out as a run directory: what it holds and when it comes to be.

A run directory is made only once the run's data and nets are built (`create`), so a bad configuration or missing
data leave nothing behind; `--overwrite` removes the old run at that moment too, never earlier. A run that fails
or is interrupted before its first compiled call returns is removed again (`discard`): it holds nothing worth
resuming. Under a multi-worker strategy only the chief writes here, except that every worker saves its own
checkpoints (saving may need collectives): the chief into checkpoints/, worker i into worker_<i>/checkpoints/.
"""
import json
import math
import shutil
from pathlib import Path
from typing import Optional

import numpy as np

from Trainers import config
from Utils.atomic import write_text
from Utils.latents import draw_latents


class RunDirectory:
    def __init__(self, path, chief=True, worker_index: Optional[int] = None):
        self.path = Path(path)
        self.chief = chief
        self.samples = self.path / "samples"
        self.metrics = self.path / "metrics.csv"
        self.losses_plot = self.path / "losses.png"
        self.quality_plot = self.path / "quality.png"
        self.exports = self.path / "export"
        self.resume_from = self.path / "checkpoints"  # every worker resumes from the chief's checkpoints
        self.checkpoints = self.resume_from if chief else self.path / f"worker_{worker_index}" / "checkpoints"
        self._new = not self.path.exists()

    def create(self, cfg, replace=False):
        """Make the directory (the chief: samples/ and config.json), replacing an old run when `replace`."""
        if not self.chief:
            return
        if replace and self.path.exists():
            shutil.rmtree(self.path)
            self._new = True
        self.samples.mkdir(parents=True, exist_ok=True)
        config.save(cfg, self.path)

    def discard(self):
        """Remove a run this process created and that never trained (a resumed or older run stays)."""
        if self.chief and self._new:
            shutil.rmtree(self.path, ignore_errors=True)

    def fixed_z(self, cfg):
        """The latent vectors of every sample grid, saved so a resumed run draws the same ones."""
        path = self.path / "fixed_z.npy"
        if path.exists():
            return np.load(path)
        rng = np.random.default_rng(cfg.optimisation.seed)
        z = draw_latents(rng, cfg.model.noise, (cfg.output.sample_count, cfg.model.latent_dim))
        np.save(path, z)
        return z

    def sample_path(self, step):
        return self.samples / f"step_{step:07d}.png"

    def record_non_finite(self, step, name, metrics, last_good_checkpoint):
        """nonfinite.json (the chief's): which term went NaN/Inf, at which step, every term's value; its path."""
        path = self.path / "nonfinite.json"
        if self.chief:
            record = {"step": step, "term": name, "value": str(metrics[name]),
                      "last_good_checkpoint": last_good_checkpoint,
                      "metrics": {k: v if math.isfinite(v) else str(v) for k, v in sorted(metrics.items())}}
            write_text(path, json.dumps(record, indent=2))
        return path
