"""WGAN weight clipping (Arjovsky et al. 2017)."""
import tensorflow as tf


def clip_weights(variables, clip_value):
    """Clip every variable in place to [-clip_value, clip_value]; shared variables appear once."""
    for variable in variables:
        variable.assign(tf.clip_by_value(variable, -clip_value, clip_value))
