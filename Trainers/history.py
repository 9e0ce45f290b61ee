"""The history buffer of generated images (Shrivastava et al. 2017; CycleGAN's ImagePool): each discriminator
update sees, per image, either the generator's current fake or one generated earlier, so the discriminator does
not chase only the generator's latest mode.

For each fake image, in batch order, as the CycleGAN code's `ImagePool.query`: while the buffer is not full, the
image is stored and used; once it is full, with probability 1/2 a uniformly chosen stored image is used instead
and the current one takes its slot, otherwise the current image is used. The two random numbers per image come
from the step's checkpointed noise generator (`draws`), and the buffer's images and fill count are variables the
checkpoints save, so a resumed run sees the very buffer an uninterrupted one would.
"""
import tensorflow as tf


class ImageHistory(tf.Module):
    """Up to `size` earlier fakes of shape `image_shape`, kept in float32."""

    def __init__(self, size, image_shape, name="history"):
        super().__init__(name=name)
        self.size = size
        self.images = tf.Variable(tf.zeros([size, *image_shape]), trainable=False, name="images")
        self.count = tf.Variable(0, dtype=tf.int32, trainable=False, name="count")

    def query(self, fakes, draws):
        """The images a discriminator judges in place of `fakes` [B, H, W, C], updating the buffer.

        draws: [B, 2] uniform [0, 1): per image, whether to swap (first column > 0.5) and which slot (second).
        """
        used = []
        for row in range(fakes.shape[0]):  # the batch is static (the replica's rows): the loop unrolls
            image = tf.cast(fakes[row], tf.float32)
            full = self.count >= self.size
            slot = tf.minimum(tf.cast(draws[row, 1] * self.size, tf.int32), self.size - 1)
            swap = tf.logical_and(full, draws[row, 0] > 0.5)
            stored = self.images[slot]
            used.append(tf.where(swap, stored, image))
            target = tf.where(full, slot, self.count)
            keep = tf.logical_or(tf.logical_not(full), swap)
            self.images.scatter_nd_update([[target]], [tf.where(keep, image, self.images[target])])
            self.count.assign(tf.minimum(self.count + 1, self.size))
        return tf.cast(tf.stack(used), fakes.dtype)
