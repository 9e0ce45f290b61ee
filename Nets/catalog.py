"""Architecture facts the CLI validates against, kept free of TensorFlow imports."""
from dataclasses import dataclass

INITIALIZERS = ("normal", "xavier", "he")


@dataclass(frozen=True)
class ArchitectureSpec:
    image_size: int
    generator_feature_blocks: int  # hidden generator blocks: the most CoGAN may share / FR may compare
    discriminator_blocks: int  # the most top blocks (logit included) discriminators may share; the first never is
    default_shared_discriminator_blocks: int


ARCHITECTURES = {"dcgan32": ArchitectureSpec(32, 4, 3, 3)}
