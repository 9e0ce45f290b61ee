"""Block helpers shared by the nets: each returns one block, a list of layers.

The thesis's large nets (Tables A.1-A.4) upsample with 4x4 stride-2 transposed convolutions (batch norm, PReLU)
and downsample with stride-2 convolutions followed by the chosen normalisation, PReLU and the table's dropout (or
--disc-dropout's); the
DCGAN nets use the same blocks with 5x5 kernels and their own activations. `activation` makes an activation layer
(PReLU, the thesis's, when None).
"""
from keras import layers

from Nets.normalization import logit, normalised


def _activation(opts, activation):
    return (activation or opts.prelu)()


def project(opts, side, filters, activation=None):
    """z -> side x side x filters: dense, reshape, batch norm, activation (no bias: batch norm follows)."""
    filters = opts.filters(filters)
    return [layers.Dense(side * side * filters, use_bias=False, kernel_initializer=opts.kernel_initializer()),
            layers.Reshape((side, side, filters)), layers.BatchNormalization(), _activation(opts, activation)]


def up(opts, filters, kernel=4, activation=None):
    return [layers.Conv2DTranspose(opts.filters(filters), kernel, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=opts.kernel_initializer()),
            layers.BatchNormalization(), _activation(opts, activation)]


def to_image(opts, kernel=3, strides=1):
    """The image layer: a transposed conv to the image channels with tanh, no normalisation."""
    return [layers.Conv2DTranspose(opts.channels, kernel, strides=strides, padding="same",
                                   kernel_initializer=opts.kernel_initializer()),
            layers.Activation("tanh", dtype="float32")]


def upsampling_generator(opts, side, projected, features, head):
    """[project, one block per `features` width, image block]; the image block upsamples through `head` widths
    first. The feature blocks are what CoGAN may share and SCoGAN's feature regulariser compares."""
    image = [layer for filters in head for layer in up(opts, filters)] + to_image(opts)
    return [project(opts, side, projected)] + [up(opts, filters) for filters in features] + [image]


def disc_dropout(opts, rate):
    """The dropout ending a hidden discriminator block: the table's `rate`, or --disc-dropout's in every hidden
    block when that is set (0 removes them all); no layer at rate 0."""
    rate = rate if opts.disc_dropout is None else opts.disc_dropout
    return [layers.Dropout(rate)] if rate else []


def down(opts, norm, filters, kernel, dropout=0.0, activation=None):
    conv = normalised(norm, lambda bias: layers.Conv2D(opts.filters(filters), kernel, strides=2, padding="same",
                                                       use_bias=bias, kernel_initializer=opts.kernel_initializer()))
    return conv + [_activation(opts, activation)] + disc_dropout(opts, dropout)


def dense_logit(opts, norm):
    """The logit block: one dense unit in float32 (never normalised but under `spectral`)."""
    return logit(norm, lambda bias: layers.Dense(1, kernel_initializer=opts.kernel_initializer(), dtype="float32"))


def strided_discriminator(opts, norm, convs, dense_units, dense_dropout):
    """One block per (filters, kernel, dropout) in `convs`, then flatten-dense-PReLU-dropout, then the logit."""
    dense = normalised(norm, lambda bias: layers.Dense(opts.filters(dense_units), use_bias=bias,
                                                       kernel_initializer=opts.kernel_initializer()))
    return ([down(opts, norm, *conv) for conv in convs]
            + [[layers.Flatten()] + dense + [opts.prelu()] + disc_dropout(opts, dense_dropout)]
            + [dense_logit(opts, norm)])
