"""Checkpoints of everything a resumed run needs: nets (auxiliary ones too), optimizers, step and noise RNG state.

Frozen nets (classifier, VGG) are not saved: they are reloaded from their own files.
"""
import tensorflow as tf


def make_checkpoint(trainer):
    setup = trainer.setup
    parts = {
        "step": trainer.step,
        "noise": trainer.noise,
        "generators": setup.generators.joint,
        "g_optimizer": trainer.g_optimizer,
        "d_optimizer": trainer.d_optimizer,
    }
    parts.update({f"discriminator_{i + 1}": d for i, d in enumerate(setup.discriminators)})
    for name, net in setup.auxiliaries.items():
        parts[name] = net
        parts[f"{name}_optimizer"] = trainer.aux_optimizers[name]
    return tf.train.Checkpoint(**parts)


def checkpoint_manager(trainer, directory, keep):
    """tf.train.CheckpointManager only points at a checkpoint once it is fully written."""
    return tf.train.CheckpointManager(make_checkpoint(trainer), directory, max_to_keep=keep)
