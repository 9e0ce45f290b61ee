"""Architecture facts the CLI validates against, kept free of TensorFlow imports."""
from dataclasses import dataclass
from typing import Mapping, Optional

INITIALIZERS = ("normal", "xavier", "he")
DISC_NORMS = ("batch", "layer", "none", "spectral")


@dataclass(frozen=True)
class Blocks:
    """The blocks of an architecture's nets at one image size: what CoGAN may share and SCoGAN's FR may compare."""

    generator_feature_blocks: int  # hidden generator blocks: the most CoGAN may share / FR may compare
    discriminator_blocks: int  # the most top blocks (logit included) discriminators may share; the first never is
    default_shared_discriminator_blocks: int


@dataclass(frozen=True)
class ArchitectureSpec:
    blocks: Mapping[Optional[int], Blocks]  # per image side the nets make (None: the toy MLP's 2D points)
    disc_norm: str = "none"  # the discriminator normalisation of the thesis's table or the paper
    max_pooling: bool = False  # the discriminator max-pools (XLA cannot differentiate that twice in bfloat16)
    disc_dropout: bool = False  # the discriminator of the table or paper has dropout (CT-GAN's two passes need it)

    @property
    def image_sizes(self):
        return tuple(self.blocks)


# The thesis's nets come first: for an image size several architectures make, architecture_for picks the first.
ARCHITECTURES = {
    "cogan32": ArchitectureSpec({32: Blocks(4, 3, 3)}, max_pooling=True, disc_dropout=True),  # thesis Tables 3.1, 3.2
    "cogan128": ArchitectureSpec({128: Blocks(5, 7, 6)}, "batch", disc_dropout=True),  # Tables A.1, A.2
    "cogan256": ArchitectureSpec({256: Blocks(7, 7, 6)}, "batch", disc_dropout=True),  # Tables A.3, A.4
    "mlp": ArchitectureSpec({None: Blocks(3, 3, 3)}),  # Table 2.1, the 2D toy experiment
    # Radford et al. 2015 (Nets/dcgan.py); pairs share all discriminator blocks but the first by default
    "dcgan": ArchitectureSpec({32: Blocks(3, 3, 3), 64: Blocks(4, 4, 4), 96: Blocks(4, 4, 4)}, "batch"),
    # Karras et al. 2018 (Nets/progressive.py): a block per side from 4x4 up; pairs share all but the RGB layers
    "progressive": ArchitectureSpec({2 ** k: Blocks(k - 1, k - 1, k - 1) for k in range(3, 9)}),
}
# Names older versions gave the thesis's CoGAN nets; run directories made then record them in config.json.
RENAMED_ARCHITECTURES = {"dcgan32": "cogan32", "dcgan128": "cogan128", "dcgan256": "cogan256"}


def architecture_for(image_size):
    """The architecture made for `image_size` (None: 2D points), or None when there is none."""
    return next((name for name, spec in ARCHITECTURES.items() if image_size in spec.image_sizes), None)
