"""Map architecture names to their block builders and to the shape of what their discriminators read."""
from Nets import cogan32, cogan128, cogan256, dcgan, mlp
from Nets.catalog import ARCHITECTURES

BUILDERS = {
    "cogan32": (cogan32.generator_blocks, cogan32.discriminator_blocks),
    "cogan128": (cogan128.generator_blocks, cogan128.discriminator_blocks),
    "cogan256": (cogan256.generator_blocks, cogan256.discriminator_blocks),
    "mlp": (mlp.generator_blocks, mlp.discriminator_blocks),
    "dcgan": (dcgan.generator_blocks, dcgan.discriminator_blocks),
}


def sample_shape(arch, image_size, channels):
    """(image_size, image_size, channels) for the image nets, (2,) for the toy MLP's points."""
    if ARCHITECTURES[arch].image_sizes == (None,):
        return (mlp.POINT_DIM,)
    return (image_size, image_size, channels)
