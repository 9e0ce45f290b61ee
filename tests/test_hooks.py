"""The loop calls its hooks at the right boundaries; SIGTERM and Ctrl-C stop it at a step boundary with a grid,
losses.png and a checkpoint; a Ctrl-C before the first call has returned stops at once and leaves no run."""
import csv
import os
import signal
import threading
import time

import pytest
import tensorflow as tf

from conftest import tiny_config
from Trainers.calls import StopRequest
from Trainers.hooks import Hook
from Trainers.loop import train


class Recorder(Hook):
    """Records every boundary it sees, and what the run directory holds at the first on_call."""

    def __init__(self, out):
        self.out, self.events, self.first_call_grids = out, [], None

    def on_step(self, step, metrics):
        self.events.append(("step", step))

    def on_call(self, step):
        if self.first_call_grids is None:
            self.first_call_grids = sorted(p.name for p in (self.out / "samples").glob("*.png"))
        self.events.append(("call", step))

    def on_end(self, step):
        self.events.append(("end", step))

    def on_interrupt(self, step):
        self.events.append(("interrupt", step))

    def close(self):
        self.events.append(("close",))


def gan(out, **overrides):
    settings = dict(model="gan", dataset="digits", log_every=1, sample_every=1000, checkpoint_every=1000,
                    sample_count=4, out=str(out))
    return tiny_config(**{**settings, **overrides})


def logged_steps(out):
    with open(out / "metrics.csv", newline="") as f:
        return [int(row["step"]) for row in csv.DictReader(f)]


def test_hooks_see_every_step_then_each_call_boundary_then_the_end(tmp_path):
    out = tmp_path / "run"
    recorder = Recorder(out)
    train(gan(out, iterations=5, steps_per_call=2), hooks=[recorder])
    steps = [("step", i) for i in range(1, 6)]
    assert recorder.events == [*steps[0:2], ("call", 2), *steps[2:4], ("call", 4), steps[4], ("call", 5), ("end", 5),
                               ("close",)]
    assert recorder.first_call_grids == ["step_0000002.png"]  # the first grid comes after the first call


def test_sigterm_stops_at_the_call_boundary_with_a_grid_losses_and_a_checkpoint(tmp_path):
    class SigtermAtStep2(Recorder):
        def on_call(self, step):
            super().on_call(step)
            if step == 2:
                os.kill(os.getpid(), signal.SIGTERM)

    out = tmp_path / "run"
    recorder = SigtermAtStep2(out)
    handler = signal.getsignal(signal.SIGTERM)
    assert train(gan(out, iterations=10), hooks=[recorder]) == out
    assert recorder.events[-3:] == [("call", 2), ("interrupt", 2), ("close",)]
    assert sorted(p.name for p in (out / "samples").glob("step_*.png")) == ["step_0000001.png", "step_0000002.png"]
    assert (out / "losses.png").stat().st_size > 0
    assert tf.train.latest_checkpoint(str(out / "checkpoints")).endswith("ckpt-2")
    assert signal.getsignal(signal.SIGTERM) == handler  # the run's handler is gone with it


def send_once_the_loop_handles(signum):
    """Send `signum` to this process as soon as the training loop has installed its handler."""

    def wait_and_send():
        while not isinstance(getattr(signal.getsignal(signum), "__self__", None), StopRequest):
            time.sleep(0.01)
        os.kill(os.getpid(), signum)

    threading.Thread(target=wait_and_send, daemon=True).start()


def test_a_stop_request_ends_a_long_call_after_its_current_step(tmp_path):
    """SIGTERM while the first call of 500 steps is compiled or running: it ends after the step it is in, and the
    checkpoint, the logged rows and the trainer agree on that step."""
    out = tmp_path / "run"
    recorder = Recorder(out)
    send_once_the_loop_handles(signal.SIGTERM)
    train(gan(out, iterations=500, steps_per_call=500), hooks=[recorder])
    (interrupted,) = [event[1] for event in recorder.events if event[0] == "interrupt"]
    assert 1 <= interrupted < 100  # of 500
    assert logged_steps(out) == list(range(1, interrupted + 1))
    assert tf.train.latest_checkpoint(str(out / "checkpoints")).endswith(f"ckpt-{interrupted}")


def test_ctrl_c_before_the_first_call_returns_stops_at_once_and_leaves_no_run(tmp_path):
    out = tmp_path / "run"
    send_once_the_loop_handles(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        train(gan(out, iterations=500, steps_per_call=500))
    assert not out.exists()


def test_a_first_ctrl_c_asks_to_stop_and_a_second_one_stops_at_once():
    with StopRequest(in_graph=False) as stop:
        stop.started = True
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.requested
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)


def test_a_run_stopped_inside_a_call_resumes_exactly(tmp_path):
    """A stop inside a call leaves a checkpoint off the calls' grid (step 4 with 3 steps per call); the resumed run's
    first call runs to the grid (steps 5-6) and logs what an uninterrupted run logs."""
    from Trainers.config import load, with_overrides

    whole, stopped = tmp_path / "whole", tmp_path / "stopped"
    train(gan(whole, iterations=6, steps_per_call=3))
    train(gan(stopped, iterations=4, steps_per_call=3))
    recorder = Recorder(stopped)
    train(with_overrides(load(stopped), iterations=6), resume=True, hooks=[recorder])
    assert [event for event in recorder.events if event[0] == "call"] == [("call", 6)]
    with open(whole / "metrics.csv") as a, open(stopped / "metrics.csv") as b:
        assert a.read() == b.read()
