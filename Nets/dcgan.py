"""DCGAN nets (Radford et al. 2015) for 32x32, 64x64 and 96x96 images, as lists of blocks.

The paper's rules: no pooling, but stride-2 convolutions in D and stride-2 transposed convolutions in G; batch
norm in both nets except on G's output layer and D's input layer; ReLU in G, LeakyReLU 0.2 in D; a tanh output;
no hidden dense layers: G's projection of z (the paper's matmul, reshaped) and D's logit are the only dense maps.
Kernels are 5x5 as in the paper's Figure 1; weights are N(0, 0.02) under the default --init normal.

Generator at 64x64, the paper's LSUN net: z -> 4x4x1024 -> 8x8x512 -> 16x16x256 -> 32x32x128 (the feature
blocks, what CoGAN shares and SCoGAN's feature regulariser compares) -> 64x64x3. At 32x32 it starts at 4x4x512
and has one block fewer. At 96x96 (the anime faces of the seed report 002) it projects z to 6x6, since
96 = 6 * 2^4 and every layer doubles the side, then goes on as at 64x64. The discriminator mirrors the generator:
convs 128, 256, 512 (, 1024) down to 4x4 (6x6 at 96x96), then flatten and the logit.
"""
from keras import layers

from Nets.blocks import dense_logit, down, project, to_image, up
from Nets.normalization import disc_norm

KERNEL = 5
# image side: (side of G's projection of z, widths from the projection to the last feature block)
LAYOUTS = {32: (4, (512, 256, 128)), 64: (4, (1024, 512, 256, 128)), 96: (6, (1024, 512, 256, 128))}


def _layout(opts):
    if opts.image_size not in LAYOUTS:
        sizes = ", ".join(f"{s}x{s}" for s in LAYOUTS)
        raise ValueError(f"the DCGAN nets make {sizes} images, not image_size={opts.image_size}")
    return LAYOUTS[opts.image_size]


def generator_blocks(opts):
    side, widths = _layout(opts)
    return ([project(opts, side, widths[0], layers.ReLU)] + [up(opts, w, KERNEL, layers.ReLU) for w in widths[1:]]
            + [to_image(opts, KERNEL, strides=2)])


def discriminator_blocks(opts):
    """[input conv, convs, logit]. The input conv is never batch or layer normalised; under --disc-norm spectral it
    is spectrally normalised like every other weight layer, since that bounds the net rather than the features.
    The paper has no dropout; --disc-dropout puts it after every conv (CT-GAN's critic needs it)."""
    norm = disc_norm(opts, "dcgan")
    first, *rest = reversed(_layout(opts)[1])

    def leaky():
        return layers.LeakyReLU(negative_slope=0.2)

    first_norm = "spectral" if norm == "spectral" else "none"
    return ([down(opts, first_norm, first, KERNEL, activation=leaky)]
            + [down(opts, norm, filters, KERNEL, activation=leaky) for filters in rest]
            + [[layers.Flatten()] + dense_logit(opts, norm)])
