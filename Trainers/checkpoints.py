"""Checkpoints of everything a resumed run needs: nets (auxiliary ones too), optimizers, step, every RNG state and
CycleGAN's history buffers.

Frozen nets (classifier, VGG) are not saved: they are reloaded from their own files.

Writes are atomic as far as a resume can tell: TensorFlow writes a checkpoint's shards to `<prefix>_temp/`, merges
them into `ckpt-N.index`/`ckpt-N.data-*`, and only then tf.train.CheckpointManager rewrites the `checkpoint` state
file (atomically, temp then rename) to name it. A kill mid-save thus leaves the state file naming the previous,
complete checkpoint. If a named checkpoint is unreadable anyway (a truncated or overwritten file), `restore_latest`
falls back to the next older one and says so.
"""
import re
from pathlib import Path

import tensorflow as tf

from Utils.errors import ConfigError


class CheckpointError(ConfigError):
    """No checkpoint of a run can be read; a ConfigError, so the CLI prints it and exits 2 without a traceback."""


def rng_states(models):
    """The state variables of the nets' Keras SeedGenerators (Dropout's masks), each once, in layer order.

    Keras layers do not expose their SeedGenerators to tf.train.Checkpoint, so without this list a resumed run
    would draw the dropout masks of the run's first steps again.
    """
    seen, states = set(), []
    for model in models:
        for v in model.non_trainable_variables:
            if v.name == "seed_generator_state" and id(v) not in seen:
                seen.add(id(v))
                states.append(v.value)
    return states


def _parts(trainer):
    setup = trainer.setup
    parts = {
        "step": trainer.step,
        "noise": trainer.noise,
        "generators": setup.generators.joint,
        "g_optimizer": trainer.g_optimizer,
        "d_optimizer": trainer.d_optimizer,
    }
    parts.update({f"discriminator_{i + 1}": d for i, d in enumerate(setup.discriminators)})
    parts.update({history.name: history for history in trainer.histories})
    for name, net in setup.auxiliaries.items():
        parts[name] = net
        parts[f"{name}_optimizer"] = trainer.aux_optimizers[name]
    return parts


def _nets(trainer):
    setup = trainer.setup
    return [setup.generators.joint, *setup.discriminators, *setup.auxiliaries.values()]


def make_checkpoint(trainer):
    return tf.train.Checkpoint(**_parts(trainer), rng_states=rng_states(_nets(trainer)))


def checkpoint_manager(trainer, directory, keep, log=print):
    """tf.train.CheckpointManager only points at a checkpoint once it is fully written.

    A state file TensorFlow cannot even decode is moved aside (the manager would fail on it), so the run can
    resume from the checkpoints on disk.
    """
    state = Path(directory) / "checkpoint"
    try:
        tf.train.get_checkpoint_state(str(directory))
    except Exception as exc:  # noqa: BLE001 - TensorFlow ignores some unreadable state files but not all
        state.replace(state.with_name("checkpoint.unreadable"))
        log(f"{state} is unreadable ({type(exc).__name__}); moved to checkpoint.unreadable, using ckpt-N.index files.")
    return tf.train.CheckpointManager(make_checkpoint(trainer), directory, max_to_keep=keep)


def _candidates(directory):
    """Checkpoint prefixes, newest first: those the state file lists, or, when it is missing or unreadable
    (TensorFlow then ignores it with a warning), every ckpt-N.index on disk."""
    try:
        state = tf.train.get_checkpoint_state(str(directory))
    except Exception:  # noqa: BLE001 - see checkpoint_manager
        state = None
    if state is not None and state.all_model_checkpoint_paths:
        return list(state.all_model_checkpoint_paths)[::-1]
    found = [(int(m.group(1)), str(p)[: -len(".index")]) for p in Path(directory).glob("ckpt-*.index")
             if (m := re.fullmatch(r"ckpt-(\d+)\.index", p.name))]
    return [prefix for _, prefix in sorted(found, reverse=True)]


def restore(trainer, path):
    """Load checkpoint `path` into the trainer; every net, optimizer and state must be in it.

    Dropout RNG states are restored when present: checkpoints written before they were saved lack them, and
    such runs resume with fresh dropout masks.
    """
    # Each restore reads only its own part of the checkpoint; expect_partial() keeps TensorFlow from warning,
    # once the status is collected, that the other part's values "could not be found in the restored object".
    restore_matched(_parts(trainer), path)
    tf.train.Checkpoint(rng_states=rng_states(_nets(trainer))).restore(path).expect_partial()


def restore_matched(parts, path):
    """Restore `parts` ({name: trackable}) from checkpoint `path`, refusing one that lacks any of their variables
    rather than leaving those at their initial values."""
    status = tf.train.Checkpoint(**parts).restore(path)
    try:
        status.assert_existing_objects_matched()
    except AssertionError as exc:
        missing = str(exc).split(": [", 1)[0]
        raise CheckpointError(f"{path} lacks weights of the nets this run's config.json builds ({missing}). A run "
                              f"with --arch progressive checkpointed before 2026-12-02 saved no net weights (only "
                              f"optimizer state): train it again") from None
    status.expect_partial()


def restore_latest(trainer, directory, log=print):
    """Restore the newest readable checkpoint in `directory`; returns its prefix, or None when there is none yet."""
    failures = []
    for path in _candidates(directory):
        try:
            restore(trainer, path)
        except Exception as exc:  # noqa: BLE001 - any reader error: this checkpoint is unusable, try the older
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            failures.append(f"{path}: {reason}")
            log(f"Checkpoint {path} is unreadable ({reason}); trying the previous one.")
            continue
        return path
    if failures:
        raise CheckpointError(f"no checkpoint in {directory} can be read:\n  " + "\n  ".join(failures)
                              + "\nStart the run afresh with --overwrite (or another --out).")
    return None
