"""Turn a domain source into the batched, endlessly repeating stream the trainers read."""
import tensorflow as tf


def batched_stream(source, batch_size, seed, start_batch=0):
    """Seeded reshuffle every epoch, batches with drop_remainder, prefetch.

    `start_batch` skips exactly the batches an earlier run consumed (used by --resume).
    Each epoch's permutation depends only on (seed, epoch), so the stream is reproducible.
    """
    n = source.size
    if batch_size > n:
        raise ValueError(f"batch size {batch_size} is larger than the domain ({n} images)")
    first = start_batch * batch_size
    start_epoch, offset = divmod(first, n)

    def epoch_order(epoch):
        return tf.data.Dataset.from_tensor_slices(
            tf.random.experimental.stateless_shuffle(tf.range(n), seed=tf.stack([tf.cast(seed, tf.int64), epoch]))
        )

    indices = tf.data.Dataset.range(start_epoch, 2**62).flat_map(epoch_order).skip(offset)
    images = indices.map(source.element, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    return images.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
