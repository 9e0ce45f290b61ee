"""CT-GAN's consistency term (Wei et al. 2018): a critic with dropout should score a real image alike on two passes.

The seed report 003 names it (its line 91 and reference [5], arXiv 1803.01541) without the formula; the paper's
term with the second-to-last layer is CT = E_x[max(0, d(D(x'), D(x'')) + 0.1 * d(D_(x'), D_(x'')) - M')], where x'
and x'' are two stochastic (dropout) passes of the critic over the same real x, D_ is the critic's second-to-last
layer, and M' = 0. For d this follows the authors' released code, with which the paper's weights (lambda 10 for
the gradient penalty, 2 for CT) were tuned: the squared difference of the two logits, and the mean squared
difference over the units of the two second-to-last layers. With M' = 0 the clipping at 0 never acts.
"""
import tensorflow as tf

from Penalties.per_sample import mean_squares, squared_norms

FEATURE_WEIGHT = 0.1  # the paper's weight of the second-to-last layer's distance
MARGIN = 0.0  # the paper's M'


def consistency(first, second, margin=MARGIN, feature_weight=FEATURE_WEIGHT):
    """Mean over the batch of max(0, d(logits) + feature_weight * d(features) - margin), unweighted.

    `first` and `second` are the (features [N, ...], logits [N, 1]) of two passes over the same images; the
    distances are per sample and in float32.
    """
    (features_1, logits_1), (features_2, logits_2) = first, second
    distance = squared_norms(logits_1 - logits_2) + feature_weight * mean_squares(features_1 - features_2)
    return tf.reduce_mean(tf.maximum(distance - margin, 0.0))


def consistency_term(critic, real, first=None, margin=MARGIN, feature_weight=FEATURE_WEIGHT):
    """The consistency term of `critic` (image -> [second-to-last features, logits], with dropout: see
    Nets/pairs.py:with_features) over two training-mode passes of the real images. `first`: a pass already made
    (the one the adversarial loss reads, as in the authors' code), so only the second runs here."""
    first = critic(real, training=True) if first is None else first
    return consistency(first, critic(real, training=True), margin, feature_weight)
