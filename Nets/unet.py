"""Pix2Pix's U-Net generator (Isola et al. 2017, appendix 6.1.1): image -> image with skip connections.

An encoder of 4x4 stride-2 convolutions C64-C128-C256-C512-C512-... down to 1x1 (8 levels at 256x256, 5 at
32x32), LeakyReLU 0.2, batch norm on all but the first and the innermost (as the paper's code); a decoder of 4x4
stride-2 transposed convolutions back up, ReLU, batch norm, dropout 0.5 on the three innermost, each followed by the
mirrored encoder level's activations (the U-Net's skips); a last transposed convolution to the image channels,
tanh. The paper's noise z is this dropout (it applies it at test time too; we apply it in training only, so a
translation is deterministic). `opts.width` scales every filter count.
"""
import math

import keras
from keras import layers

ENCODER_FILTERS = (64, 128, 256, 512, 512, 512, 512, 512)


def unet_levels(image_size):
    """Stride-2 levels from image_size down to 1x1."""
    return int(math.log2(image_size))


def unet_generator(opts, image_size, name):
    """image [size, size, C] -> image of the same shape, in [-1, 1] (float32 under mixed precision); size a power
    of two from 8 to 256."""
    levels = unet_levels(image_size)
    filters = list(ENCODER_FILTERS[:levels]) + [512] * max(0, levels - len(ENCODER_FILTERS))
    init = opts.kernel_initializer()
    image = keras.Input((image_size, image_size, opts.channels), name="image")
    x, skips = image, []
    for level, f in enumerate(filters):
        x = layers.Conv2D(opts.filters(f), 4, strides=2, padding="same", use_bias=False, kernel_initializer=init)(x)
        if 0 < level < levels - 1:
            x = layers.BatchNormalization()(x)
        x = layers.LeakyReLU(0.2)(x)
        skips.append(x)
    for depth, (f, skip) in enumerate(zip(reversed(filters[:-1]), reversed(skips[:-1]))):
        x = layers.Conv2DTranspose(opts.filters(f), 4, strides=2, padding="same", use_bias=False,
                                   kernel_initializer=init)(x)
        x = layers.BatchNormalization()(x)
        if depth < 3:
            x = layers.Dropout(0.5)(x)
        x = layers.Concatenate()([layers.ReLU()(x), skip])
    x = layers.Conv2DTranspose(opts.channels, 4, strides=2, padding="same", kernel_initializer=init)(x)
    return keras.Model(image, layers.Activation("tanh", dtype="float32")(x), name=name)
