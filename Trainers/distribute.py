"""--strategy: how the one training loop spreads each step over devices and machines.

default: one device. mirrored: tf.distribute.MirroredStrategy over this machine's GPUs (all of them), or its
CPU when it has none. multiworker: MultiWorkerMirroredStrategy over the machines TF_CONFIG lists; every machine
runs the same command.

--batch-size stays the global batch: each of R replicas gets batch_size / R rows of every discriminator and
generator update, the gradients are summed over replicas from objectives divided by R (Trainers/adversarial.py),
and batch norm is synchronised across replicas, so a run means the same on any number of devices. Data order
stays the seeded, exactly resumable stream of Data/pipeline.py: every input pipeline reads the global stream and
deals its replicas their rows (simple and exact; each worker reads the whole global batch).
"""
import json
import os


def tf_config_task(environ=None):
    """(task type, index) from the TF_CONFIG environment variable, or None when it is unset (no TensorFlow)."""
    raw = (os.environ if environ is None else environ).get("TF_CONFIG")
    if not raw:
        return None
    task = json.loads(raw).get("task", {})
    return task.get("type"), int(task.get("index", 0))


def chief_task(environ=None):
    """Whether this process writes the run's outputs: all but the non-chief workers of a multi-worker run."""
    raw = (os.environ if environ is None else environ).get("TF_CONFIG")
    if not raw:
        return True
    config = json.loads(raw)
    task_type, index = tf_config_task(environ)
    if "chief" in config.get("cluster", {}):
        return task_type == "chief"
    return task_type == "worker" and index == 0


def make_strategy(name):
    import tensorflow as tf

    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def synchronise_batch_norm(models):
    """Batch statistics over the global batch, as on one device (Keras's BatchNormalization(synchronized=True))."""
    import keras

    for model in models:
        for layer in model.layers:
            if isinstance(layer, keras.layers.BatchNormalization):
                layer.synchronized = True
            elif hasattr(layer, "layers"):
                synchronise_batch_norm([layer])


def distribute_batches(strategy, streams, batch_size, n_critic):
    """The zipped per-domain streams of [n_critic * batch_size, ...] batches, dealt to the replicas.

    Replica r gets rows r*b..(r+1)*b-1 (b = batch_size / R) of each of the n_critic slices, so replica-local slice
    k is its share of the global slice k that the single-device step would use.
    """
    import tensorflow as tf

    zipped = tf.data.Dataset.zip(tuple(streams))
    replicas = strategy.num_replicas_in_sync
    if replicas == 1:
        return zipped
    b = batch_size // replicas

    def dataset_fn(context):
        local = replicas // context.num_input_pipelines
        first = context.input_pipeline_id * local

        def deal(*domains):
            dealt = []
            for x in domains:
                rest = tf.shape(x)[1:]
                y = tf.reshape(x, tf.concat([[n_critic, replicas, b], rest], 0))[:, first : first + local]
                y = tf.transpose(y, [1, 0] + list(range(2, x.shape.rank + 2)))
                dealt.append(tf.reshape(y, tf.concat([[local, n_critic * b], rest], 0)))
            return tuple(dealt)

        return zipped.map(deal).unbatch().prefetch(tf.data.AUTOTUNE)

    return strategy.distribute_datasets_from_function(dataset_fn)
