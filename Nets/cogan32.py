"""The thesis's 32x32 CoGAN nets (Tables 3.1, 3.2) as lists of blocks, so pairs can share blocks.

A block is a list of Keras layers applied in order. Layers followed by batch norm carry no
bias: batch norm subtracts any per-channel constant, so such a bias never learns. Generator blocks 0..3 produce the
intermediate feature maps (4x4x1024, 8x8x512, 16x16x256, 32x32x128) that CoGAN shares
and the SCoGAN feature regulariser compares; the last block makes the image.
"""
from keras import layers

from Nets.blocks import dense_logit, disc_dropout
from Nets.normalization import disc_norm, normalised


def generator_blocks(opts):
    init = opts.kernel_initializer()

    def up(filters):
        return [
            layers.Conv2DTranspose(opts.filters(filters), 3, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=init),
            layers.BatchNormalization(),
            opts.prelu(),
        ]

    # Table 3.1 lists a ConvTranspose 4x4x1024 (kernel 4, stride 1) after the reshape; the thesis code omits it by
    # default (its no-share net's --use_firstlayer) and normalises the reshaped projection directly.
    first = ([layers.Conv2DTranspose(opts.filters(1024), 4, strides=1, padding="same", use_bias=False,
                                     kernel_initializer=init)] if opts.first_convt else [])
    project = [
        layers.Dense(4 * 4 * opts.filters(1024), kernel_initializer=init),
        layers.Reshape((4, 4, opts.filters(1024))),
        *first,
        layers.BatchNormalization(),
        opts.prelu(),
    ]
    image = [layers.Conv2DTranspose(opts.channels, 6, strides=1, padding="same", kernel_initializer=init),
             layers.Activation("tanh", dtype="float32")]
    return [project, up(512), up(256), up(128), image]


def discriminator_blocks(opts):
    """conv 20 5x5, pool | conv 50 5x5, pool | dense 500 PReLU, dropout 0.5 | dense 1 (logit).

    The thesis's table has no normalisation (--disc-norm none); any other goes after each conv and the dense 500.
    --disc-dropout sets the dropout of all three hidden blocks.
    """
    init, norm = opts.kernel_initializer(), disc_norm(opts, "cogan32")

    def conv(filters):
        return normalised(norm, lambda bias: layers.Conv2D(opts.filters(filters), 5, padding="same", use_bias=bias,
                                                           kernel_initializer=init))

    dense = normalised(norm, lambda bias: layers.Dense(opts.filters(500), use_bias=bias, kernel_initializer=init))
    return [
        conv(20) + [layers.MaxPool2D()] + disc_dropout(opts, 0.0),
        conv(50) + [layers.MaxPool2D()] + disc_dropout(opts, 0.0),
        [layers.Flatten()] + dense + [opts.prelu()] + disc_dropout(opts, 0.5),
        dense_logit(opts, norm),
    ]
