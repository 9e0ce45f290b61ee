"""The one cast the losses and penalties share: they compute in float32 whatever the compute dtype (mixed
precision gives bfloat16 or float16 logits and features)."""
import tensorflow as tf


def as_float32(x):
    return tf.cast(x, tf.float32)
