"""Settings every net builder shares: weight initialisation, PReLU start value, widths and the image size."""
from dataclasses import dataclass
from typing import Any, Optional

import keras

from Nets.catalog import INITIALIZERS


@dataclass(frozen=True)
class NetOptions:
    init: str = "normal"  # normal(0, 0.02) as DCGAN, xavier (Glorot uniform) or he (He normal)
    prelu_init: float = 0.25
    channels: int = 3
    latent_dim: int = 100
    width: float = 1.0  # channel multiplier: 1 is the thesis; small values give quick, tiny nets
    disc_norm: Optional[str] = None  # discriminator normalisation (Nets.normalization); None: the architecture's own
    disc_dropout: Optional[float] = None  # dropout rate of every hidden discriminator block; None: the table's
    image_size: Optional[int] = None  # the images' side, read by the nets made for several sizes (DCGAN)
    first_convt: bool = False  # cogan32: Table 3.1's ConvTranspose 4x4x1024 (k4, s1) after the reshape
    growth: Optional[Any] = None  # progressive nets: the Nets/progressive.Growth that G and D of one setup share

    def filters(self, n):
        return max(1, int(round(n * self.width)))

    def kernel_initializer(self):
        if self.init == "normal":
            return keras.initializers.RandomNormal(0.0, 0.02)
        if self.init == "xavier":
            return keras.initializers.GlorotUniform()
        if self.init == "he":
            return keras.initializers.HeNormal()
        raise ValueError(f"unknown init {self.init!r}; choose from {INITIALIZERS}")

    def prelu(self):
        """PReLU with one learned slope per unit (Keras's default, no shared axes), started at prelu_init (0.25 as in
        the thesis)."""
        return keras.layers.PReLU(alpha_initializer=keras.initializers.Constant(self.prelu_init), shared_axes=None)
