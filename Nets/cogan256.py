"""The thesis's 256x256 CoGAN nets for the CycleGAN sets (Tables A.3, A.4) as lists of blocks.

Generator: z -> 4x4x2048, then transposed convs 1024, 512, 256, 128, 64, 32 (4x4 stride 2, BN, PReLU) up to
256x256x32 — the seven feature blocks, all shared by CoGAN — and each domain's own transposed conv 3 3x3 with
tanh. Discriminator: conv 32 and 64 5x5 stride 2 (each domain's own), shared conv 128, 256, 512, 1024 5x5
stride 2 with dropout 0.1, 0.3, 0.3, 0.5, dense 2048 with dropout 0.5, dense 1.
"""
from Nets.blocks import strided_discriminator, upsampling_generator
from Nets.normalization import disc_norm

CONVS = ((32, 5, 0.0), (64, 5, 0.0), (128, 5, 0.1), (256, 5, 0.3), (512, 5, 0.3), (1024, 5, 0.5))


def generator_blocks(opts):
    return upsampling_generator(opts, 4, 2048, (1024, 512, 256, 128, 64, 32), head=())


def discriminator_blocks(opts):
    return strided_discriminator(opts, disc_norm(opts, "cogan256"), CONVS, dense_units=2048, dense_dropout=0.5)
