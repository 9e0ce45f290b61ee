"""Map architecture names to their block builders and to the shape of what their discriminators read."""
from Nets import dcgan32, dcgan128, dcgan256, mlp
from Nets.catalog import ARCHITECTURES

BUILDERS = {
    "dcgan32": (dcgan32.generator_blocks, dcgan32.discriminator_blocks),
    "dcgan128": (dcgan128.generator_blocks, dcgan128.discriminator_blocks),
    "dcgan256": (dcgan256.generator_blocks, dcgan256.discriminator_blocks),
    "mlp": (mlp.generator_blocks, mlp.discriminator_blocks),
}


def sample_shape(arch, image_size, channels):
    """(image_size, image_size, channels) for the image nets, (2,) for the toy MLP's points."""
    if ARCHITECTURES[arch].image_size is None:
        return (mlp.POINT_DIM,)
    return (image_size, image_size, channels)
