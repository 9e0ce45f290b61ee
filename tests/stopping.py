"""Stopping a run at a given step the way a user's `kill` does, and reading what it logged, for the exact-resume
tests of the translator models."""
import csv
import os
import signal

from Trainers.hooks import Hook


class SigtermAt(Hook):
    """Sends this process SIGTERM after the call that ends at `step`; the loop checkpoints and stops."""

    def __init__(self, step):
        self.step = step

    def on_call(self, step):
        if step == self.step:
            os.kill(os.getpid(), signal.SIGTERM)


def metrics(out):
    """The rows of out/metrics.csv, header first."""
    with open(out / "metrics.csv", newline="") as f:
        return list(csv.reader(f))
