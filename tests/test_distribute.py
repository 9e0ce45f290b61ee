"""tf.distribute: two mirrored replicas train as one device on the same global batch; two workers on localhost
end with identical weights. Each runs in a subprocess, since devices and clusters are fixed when TensorFlow starts.

Run as a script (`python tests/test_distribute.py mirrored OUT.npz`) this file is the subprocess.
"""
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STEPS = 3


def _train_three_steps(strategy):
    """Three steps (one compiled call) of a tiny SCoGAN with FR, WGAN-GP and n_critic 2 on fixed data."""
    import keras
    import tensorflow as tf

    from conftest import tiny_config
    from Trainers.adversarial import AdversarialTrainer
    from Trainers.builders import build_setup
    from Trainers.distribute import distribute_batches, synchronise_batch_norm

    cfg = tiny_config(model="scogan", fr_weight=1.0, loss="wasserstein", penalty="gp", n_critic=2, batch_size=8)
    tf.keras.utils.set_random_seed(0)
    with strategy.scope():
        setup = build_setup(cfg)
    for disc in setup.discriminators:  # dropout masks are drawn per replica, so they cannot match one device's
        for layer in disc.layers:
            if isinstance(layer, keras.layers.Dropout):
                layer.rate = 0.0
    if strategy.num_replicas_in_sync > 1:
        synchronise_batch_norm([setup.generators.joint])
    trainer = AdversarialTrainer(setup, cfg, strategy)
    with strategy.scope():  # SGD's update scales with the gradient (Adam's would hide a wrong replica average)
        trainer.g_optimizer, trainer.d_optimizer = keras.optimizers.SGD(0.05), keras.optimizers.SGD(0.05)
        trainer.g_optimizer.build(trainer.g_vars)
        trainer.d_optimizer.build(trainer.d_vars)
    rng = np.random.default_rng(5)
    shape = (STEPS, cfg.objective.n_critic * cfg.optimisation.batch_size, 32, 32, 3)
    streams = [tf.data.Dataset.from_tensor_slices(rng.uniform(-1, 1, shape).astype(np.float32)) for _ in "12"]
    iterator = iter(distribute_batches(strategy, streams, cfg.optimisation.batch_size, cfg.objective.n_critic))
    metrics = trainer.compiled_steps(STEPS)(iterator, tf.constant(STEPS))
    variables = trainer.g_vars + trainer.d_vars
    replicas_agree = all(np.array_equal(*[r.numpy() for r in strategy.experimental_local_results(v.value)][:2])
                         for v in variables) if strategy.num_replicas_in_sync > 1 else True
    return ({f"metric/{k}": v.numpy() for k, v in metrics.items()}
            | {f"weight/{i}": v.numpy() for i, v in enumerate(variables)}
            | {"replicas": strategy.num_replicas_in_sync, "replicas_agree": replicas_agree})


def _mirrored_main(out):
    import tensorflow as tf

    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    one = _train_three_steps(tf.distribute.get_strategy())
    two = _train_three_steps(tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))
    np.savez(out, **{f"one/{k}": v for k, v in one.items()}, **{f"two/{k}": v for k, v in two.items()})


def test_mirrored_two_cpus_match_one_device_on_the_same_global_batch(tmp_path):
    out = tmp_path / "mirrored.npz"
    proc = subprocess.run([sys.executable, __file__, "mirrored", str(out)], capture_output=True, text=True,
                          timeout=600, cwd=REPO, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = np.load(out)
    assert int(results["one/replicas"]) == 1 and int(results["two/replicas"]) == 2
    assert bool(results["two/replicas_agree"]), "both replicas must hold the same weights"
    names = [k[len("one/"):] for k in results.files if k.startswith("one/metric/") or k.startswith("one/weight/")]
    assert {"metric/d1_gp", "metric/feature_reg", "metric/g_total"} <= set(names)
    for name in names:
        np.testing.assert_allclose(results[f"two/{name}"], results[f"one/{name}"], rtol=1e-4, atol=1e-6,
                                   err_msg=name)


def _free_ports(n):
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("localhost", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_workers_on_localhost_train_stop_together_and_end_with_identical_weights(tmp_path):
    """SIGTERM to the non-chief worker alone: both agree to stop after the same step and save identical weights."""
    import signal
    import time

    import tensorflow as tf

    out = tmp_path / "run"
    cluster = {"worker": [f"localhost:{port}" for port in _free_ports(2)]}
    workers = []
    for index in range(2):
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2",
               "TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})}
        workers.append(subprocess.Popen(
            [sys.executable, str(REPO / "main.py"), "train", "--strategy", "multiworker", "--model", "cogan",
             "--dataset", "digits2edge", "--width", "0.125", "--batch-size", "8", "--iterations", "100000",
             "--steps-per-call", "2", "--log-every", "2", "--checkpoint-every", "1000", "--quiet", "--out", str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO))
    try:
        deadline = time.monotonic() + 400
        while not ((out / "metrics.csv").exists() and len((out / "metrics.csv").read_text().splitlines()) > 2):
            assert all(w.poll() is None for w in workers), [w.communicate()[1][-2000:] for w in workers]
            assert time.monotonic() < deadline, "no training steps within 400 s"
            time.sleep(0.2)
        workers[1].send_signal(signal.SIGTERM)
        logs = [w.communicate(timeout=300) for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
    for w, (_, stderr) in zip(workers, logs):
        assert w.returncode == 0, stderr[-3000:]
    steps = [int(stdout.split("Interrupted at step ")[1].split(";")[0]) for stdout, _ in logs]
    assert steps[0] == steps[1] >= 4 and steps[0] % 2 == 0  # the same call boundary on both
    assert sorted(p.name for p in (out / "worker_1").iterdir()) == ["checkpoints"]  # the chief alone writes logs
    chief = tf.train.load_checkpoint(str(out / "checkpoints" / f"ckpt-{steps[0]}"))
    worker = tf.train.load_checkpoint(str(out / "worker_1" / "checkpoints" / f"ckpt-{steps[0]}"))
    names = [n for n in chief.get_variable_to_shape_map() if n != "_CHECKPOINTABLE_OBJECT_GRAPH"]
    assert any("generators" in n for n in names) and any("g_optimizer" in n for n in names)
    assert int(chief.get_tensor("step/.ATTRIBUTES/VARIABLE_VALUE")) == steps[0]
    for name in names:
        np.testing.assert_array_equal(worker.get_tensor(name), chief.get_tensor(name), err_msg=name)


def test_strategy_flags_are_checked_before_tensorflow():
    def train(*args, **env):
        return subprocess.run([sys.executable, str(REPO / "main.py"), "train", *args], capture_output=True, text=True,
                              timeout=60, cwd=REPO, env={**{k: v for k, v in os.environ.items() if k != "TF_CONFIG"},
                                                         **env})

    proc = train("--strategy", "multiworker")
    assert proc.returncode == 2 and "needs the TF_CONFIG environment variable" in proc.stderr
    proc = train("--strategy", "multiworker", TF_CONFIG="{not json")
    assert proc.returncode == 2 and "TF_CONFIG is not valid JSON" in proc.stderr
    proc = train("--strategy", "mirrored", "--jit-compile")
    assert proc.returncode == 2 and "--jit-compile" in proc.stderr


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    if sys.argv[1] == "mirrored":
        _mirrored_main(sys.argv[2])
