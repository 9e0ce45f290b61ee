"""Architecture facts the CLI validates against, kept free of TensorFlow imports."""
from dataclasses import dataclass
from typing import Optional

INITIALIZERS = ("normal", "xavier", "he")
DISC_NORMS = ("batch", "layer", "none", "spectral")


@dataclass(frozen=True)
class ArchitectureSpec:
    image_size: Optional[int]  # None: the toy MLP on 2D points
    generator_feature_blocks: int  # hidden generator blocks: the most CoGAN may share / FR may compare
    discriminator_blocks: int  # the most top blocks (logit included) discriminators may share; the first never is
    default_shared_discriminator_blocks: int
    disc_norm: str = "none"  # the discriminator normalisation of the thesis's table
    max_pooling: bool = False  # the discriminator max-pools (XLA cannot differentiate that twice in bfloat16)


ARCHITECTURES = {
    "dcgan32": ArchitectureSpec(32, 4, 3, 3, max_pooling=True),  # thesis Tables 3.1, 3.2
    "dcgan128": ArchitectureSpec(128, 5, 7, 6, "batch"),  # Tables A.1, A.2
    "dcgan256": ArchitectureSpec(256, 7, 7, 6, "batch"),  # Tables A.3, A.4
    "mlp": ArchitectureSpec(None, 3, 3, 3),  # Table 2.1, the 2D toy experiment
}


def architecture_for(image_size):
    """The architecture made for `image_size` (None: 2D points), or None when there is none."""
    return next((name for name, spec in ARCHITECTURES.items() if spec.image_size == image_size), None)
