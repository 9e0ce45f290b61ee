"""The discriminator's normalisation (--disc-norm), applied after every weight layer but the logit.

batch: the thesis's nets. layer: for WGAN-GP (thesis section 2.5), since batch norm couples the samples of a
batch that the gradient penalty treats one by one. It is GroupNormalization with one group: each sample is
normalised over all its features (H, W and C) with a scale and offset per channel, the critic's layer norm of
Gulrajani et al. (keras LayerNormalization(axis=-1) would normalise each pixel's channels on their own).
spectral: Miyato et al. 2018, every weight layer, the logit too, divided by its largest singular value as
estimated by one power iteration per training call (keras.layers.SpectralNormalization).
"""
from keras import layers

from Nets.catalog import ARCHITECTURES, DISC_NORMS


def disc_norm(opts, arch):
    """The normalisation asked for, or the one of `arch`'s thesis table when none was."""
    norm = opts.disc_norm or ARCHITECTURES[arch].disc_norm
    if norm not in DISC_NORMS:
        raise ValueError(f"unknown discriminator normalisation {norm!r}; choose from {DISC_NORMS}")
    return norm


def normalised(norm, make):
    """`make(use_bias)` builds a Conv2D or Dense; returns it with `norm` applied, as a list of layers.

    Batch norm subtracts any per-channel constant, so the layer before it gets no bias.
    """
    if norm == "spectral":
        return [layers.SpectralNormalization(make(True))]
    layer = make(norm != "batch")
    if norm == "batch":
        return [layer, layers.BatchNormalization()]
    if norm == "layer":
        return [layer, layers.GroupNormalization(groups=1)]
    return [layer]


def logit(norm, make):
    """The logit layer: spectrally normalised under `spectral`, never followed by a normalisation."""
    layer = make(True)
    return [layers.SpectralNormalization(layer) if norm == "spectral" else layer]
