"""The semantic, latent-cycle and perceptual coupling terms, as unweighted scalars (the trainer applies weights).

Where the thesis's text and its published code differ, each docstring says which one is followed and why.
"""
import tensorflow as tf

from Losses.casts import as_float32
from Penalties.catalog import CYCLE_NORMS


def semantic_loss(probs_1, probs_2):
    """Mean over batch and classes of (C(G1(z)) - C(G2(z)))^2 for classifier outputs [N, classes].

    Thesis Listing 6.15 (`reduce_mean(squared_difference(...))`): the mean runs over the classes too, so this
    is Eq. 4.2's squared norm divided by the number of classes, and the thesis's weight (10) means the same here.
    """
    return tf.reduce_mean(tf.square(as_float32(probs_1) - as_float32(probs_2)))


def latent_cycle_loss(z, z_hat_1, z_hat_2, norm="l1"):
    """||F(G1(z)) - z|| + ||F(G2(z)) - z||, each a mean over batch and latent dimensions.

    l1 is the mean absolute error of thesis Listing 6.16 (the code behind its tables); l2 the mean squared error,
    Eq. 4.3's squared L2 norm divided by the latent size so that one weight suits both norms.
    """
    if norm not in CYCLE_NORMS:
        raise ValueError(f"unknown cycle norm {norm!r}; choose one of {', '.join(CYCLE_NORMS)}")
    distance = tf.abs if norm == "l1" else tf.square
    z = as_float32(z)
    return tf.reduce_mean(distance(as_float32(z_hat_1) - z)) + tf.reduce_mean(distance(as_float32(z_hat_2) - z))


def gram_matrix(features):
    """Per-image Gram matrices [N, C, C] of feature maps [N, H, W, C], normalised by H*W (thesis Listing 6.17;
    the published code later divided by C as well, which only rescales the style weight per layer)."""
    features = as_float32(features)
    positions = tf.cast(tf.shape(features)[1] * tf.shape(features)[2], tf.float32)
    return tf.einsum("bijc,bijd->bcd", features, features) / positions


def content_loss(features_1, features_2):
    """Feature reconstruction loss (Johnson et al. 2016): mean over layers of the mean squared difference
    of paired feature maps, here G1(z)'s and G2(z)'s at the same layers. (The published thesis code divided
    this mean once more by H*W*C; with one content layer that is a constant factor in the weight.)"""
    terms = [tf.reduce_mean(tf.square(as_float32(a) - as_float32(b))) for a, b in zip(features_1, features_2)]
    return tf.add_n(terms) / float(len(terms))


def style_loss(fake_features, real_features):
    """Style reconstruction loss: mean over layers of the mean squared difference between each generated
    image's Gram matrix and the real batch's mean Gram matrix (thesis Listing 6.18).

    The thesis code paired generated image i with real image i; the batch-mean target has the same expected
    gradient with less noise, and measures distance from the domain's style rather than from one random image.
    """
    terms = []
    for fake, real in zip(fake_features, real_features):
        target = tf.reduce_mean(gram_matrix(real), axis=0, keepdims=True)
        terms.append(tf.reduce_mean(tf.square(gram_matrix(fake) - tf.stop_gradient(target))))
    return tf.add_n(terms) / float(len(terms))
