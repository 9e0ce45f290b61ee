"""The 70x70 PatchGAN discriminator (Isola et al. 2017; used by CycleGAN): a logit per overlapping image patch.

C64-C128-C256-C512 then a one-channel convolution, 4x4 kernels, the first three with stride 2, the last two with
stride 1, each padded by 1 pixel as the papers' code: at 256x256 a 30x30 grid of logits, each seeing a 70x70 patch.
No normalisation on C64; `norm` (instance for CycleGAN, batch for Pix2Pix) on the others; LeakyReLU 0.2.
`opts.width` scales the filters. The losses average over the patches.
"""
import keras
from keras import layers

from Nets.resnet_generator import instance_norm


def _norm(norm):
    return instance_norm() if norm == "instance" else layers.BatchNormalization()


def patchgan_discriminator(opts, image_size, channels, norm, name):
    """[size, size, channels] -> [size/8 - 2, size/8 - 2, 1] patch logits (float32)."""
    image = keras.Input((image_size, image_size, channels), name="image")
    x = image
    for i, (filters, strides) in enumerate(((64, 2), (128, 2), (256, 2), (512, 1))):
        x = layers.ZeroPadding2D(1)(x)
        x = layers.Conv2D(opts.filters(filters), 4, strides=strides, use_bias=i == 0,
                          kernel_initializer=opts.kernel_initializer())(x)
        if i:
            x = _norm(norm)(x)
        x = layers.LeakyReLU(0.2)(x)
    x = layers.ZeroPadding2D(1)(x)
    logits = layers.Conv2D(1, 4, kernel_initializer=opts.kernel_initializer(), dtype="float32")(x)
    return keras.Model(image, logits, name=name)
