"""--lr-schedule: the learning rate as a function of an optimizer's update count.

half-linear is CycleGAN's (Zhu et al. 2017, section 4 and its code's `linear` policy): the rate stays --lr for
the first half of the run's updates, then falls linearly to 0 at its last. The count is the optimizer's own
`iterations`, which the checkpoints save, so a resumed run continues the same schedule. It follows the run's
--iterations: a run resumed with more iterations stretches the rest of its decay.
"""
import keras
import tensorflow as tf



class HalfLinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """lr for updates [0, total/2], then lr * (total - update) / (total / 2): 0 at `total`."""

    def __init__(self, lr, total):
        self.lr, self.total = float(lr), float(total)

    def __call__(self, update):
        half = self.total / 2.0
        fraction = (self.total - tf.cast(update, tf.float32)) / half
        return self.lr * tf.clip_by_value(fraction, 0.0, 1.0)

    def get_config(self):
        return {"lr": self.lr, "total": self.total}


def learning_rate(schedule, lr, total_updates):
    """The optimizer's learning rate: the number `lr` or, for half-linear, its schedule over `total_updates`."""
    return HalfLinearDecay(lr, total_updates) if schedule == "half-linear" else lr
