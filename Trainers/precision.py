"""--mixed-precision: the Keras dtype policy the nets are built under, and loss scaling where float16 needs it.

bfloat16 has float32's exponent range, so on CPUs no loss scaling is needed; float16 on GPUs underflows small
gradients without it. Variables stay float32 under both policies; the tanh output, the logits, every loss, penalty
and coupling term, and the gradient penalty's norm are float32 (the layers and Penalties/ cast explicitly).
"""
import contextlib

import keras


def policy_name(mixed, gpus):
    """The Keras policy for --mixed-precision on this machine: float16 with GPUs, bfloat16 on CPUs."""
    if not mixed:
        return "float32"
    return "mixed_float16" if gpus else "mixed_bfloat16"


@contextlib.contextmanager
def dtype_policy(name):
    """Build nets under policy `name`, restoring the previous global policy afterwards."""
    previous = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield name
    finally:
        keras.mixed_precision.set_global_policy(previous)

