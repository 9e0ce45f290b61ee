"""The loop over compiled calls, and how SIGTERM and Ctrl-C stop it within seconds.

Each compiled call runs up to --steps-per-call steps and returns every step's metrics; the loop hands them to its
hooks (Trainers/hooks.py) step by step, then tells them the call ended. A call runs in a helper thread while the
main thread waits, so a signal is handled at once rather than when the call returns (Python runs signal handlers
in the main thread only, and not while it is inside TensorFlow). A first Ctrl-C or a SIGTERM sets a variable the
compiled call reads between its steps: the call ends after the step it is in, the hooks write a sample grid,
losses.png and a checkpoint (on_interrupt), and the loop returns. A Ctrl-C before the first call has returned,
when there is nothing to save yet, or a second Ctrl-C raises KeyboardInterrupt at once. Under a multi-worker
strategy every worker must run the same steps, so calls are never cut short: the workers agree to stop at the
next call boundary.
"""
import signal
import threading

POLL_SECONDS = 0.1  # how often the waiting main thread passes a stop request on to the running call


class StopRequest:
    """SIGTERM and Ctrl-C, turned into a flag (and, when `in_graph`, a variable the compiled calls read between
    steps) while the loop runs; use as a context manager around it."""

    def __init__(self, in_graph=True):
        import tensorflow as tf

        self.requested = False
        self.started = False  # a first call has returned: from now on there is something to save
        self.variable = tf.Variable(False, trainable=False, name="stop_requested") if in_graph else None
        self._passed_on = False
        self._previous = {}

    def __enter__(self):
        self._previous = {sig: signal.signal(sig, self._handle) for sig in (signal.SIGTERM, signal.SIGINT)}
        return self

    def __exit__(self, *exc):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def _handle(self, signum, frame):
        if signum == signal.SIGINT and (self.requested or not self.started):
            raise KeyboardInterrupt
        self.requested = True

    def _pass_on(self):
        """Tell the running call to stop (from the main thread, never from inside the handler, which may run in
        the middle of TensorFlow's own Python code)."""
        if self.variable is not None and self.requested and not self._passed_on:
            self.variable.assign(True)
            self._passed_on = True

    def call(self, function, *args):
        """`function(*args)`, a tf.function, traced in the main thread (a Ctrl-C interrupts the tracing) and
        executed in a helper thread, whose errors are raised here."""
        if not self.started:
            function.get_concrete_function(*args)
        outcome = {}

        def execute():
            try:
                outcome["value"] = function(*args)
            except BaseException as exc:  # noqa: BLE001 - raised again in the main thread
                outcome["error"] = exc

        # Not a daemon: if KeyboardInterrupt ends the process, Python waits for the call's current step (the stop
        # variable ends the call there) instead of tearing TensorFlow down under a running step, which crashes.
        thread = threading.Thread(target=execute, name="compiled-call")
        thread.start()
        try:
            while thread.is_alive():
                thread.join(POLL_SECONDS)
                self._pass_on()
        except KeyboardInterrupt:
            self.requested = True
            self._pass_on()
            raise
        if "error" in outcome:
            raise outcome["error"]
        self.started = True
        return outcome["value"]


def agree_to_stop(strategy, requested):
    """Whether any worker of a multi-worker run was asked to stop, so that all stop at the same step."""
    import tensorflow as tf

    if not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return requested
    flags = strategy.experimental_distribute_values_from_function(lambda ctx: tf.constant(float(requested)))
    return float(strategy.reduce(tf.distribute.ReduceOp.SUM, flags, axis=None)) > 0


def run_calls(run_steps, iterator, *, start, iterations, steps_per_call, hooks, stop, strategy):
    """Train from step `start` to `iterations` in compiled calls of `run_steps(iterator, n)`, calling the hooks at
    every boundary; returns (last step, whether it was interrupted). A call ends on a multiple of steps_per_call,
    so a resumed run's calls line up with an uninterrupted one's."""
    import tensorflow as tf

    step = start
    try:
        while step < iterations:
            n = min(steps_per_call - step % steps_per_call, iterations - step)
            block = {name: values.numpy() for name, values in stop.call(run_steps, iterator, tf.constant(n)).items()}
            for j in range(len(next(iter(block.values())))):
                step += 1
                metrics = {name: float(values[j]) for name, values in block.items()}
                for hook in hooks:
                    hook.on_step(step, metrics)
            for hook in hooks:
                hook.on_call(step)
            if agree_to_stop(strategy, stop.requested):
                for hook in hooks:
                    hook.on_interrupt(step)
                return step, True
        for hook in hooks:
            hook.on_end(step)
        return step, False
    finally:
        for hook in hooks:
            hook.close()
