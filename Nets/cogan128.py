"""The thesis's 128x128 CoGAN nets for faces (Tables A.1, A.2) as lists of blocks.

Generator: z -> 4x4x1024 -> 8x8x512 -> 16x16x256 -> 32x32x128 -> 64x64x64 (the five feature blocks, CoGAN's
"Shared" rows), then each domain's own image block: transposed conv 32 4x4 stride 2 (128x128x32), BN, PReLU and
transposed conv 3 3x3 with tanh. Discriminator: conv 32 and 64 5x5 stride 2 (each domain's own), then the shared
rows: conv 128 5x5, 256, 512, 1024 3x3, all stride 2, with dropout 0.1, 0.3, 0.3, 0.5; dense 2048 with dropout
0.5; dense 1 (the logit).
"""
from Nets.blocks import strided_discriminator, upsampling_generator
from Nets.normalization import disc_norm

CONVS = ((32, 5, 0.0), (64, 5, 0.0), (128, 5, 0.1), (256, 3, 0.3), (512, 3, 0.3), (1024, 3, 0.5))


def generator_blocks(opts):
    return upsampling_generator(opts, 4, 1024, (512, 256, 128, 64), head=(32,))


def discriminator_blocks(opts):
    return strided_discriminator(opts, disc_norm(opts, "cogan128"), CONVS, dense_units=2048, dense_dropout=0.5)
