"""The encoder F of latent cycle consistency: image -> latent vector of the generators' size.

The thesis's encoder: conv 64 3x3, then three stride-2 convs 128, 128, 256 (LeakyReLU 0.2), dense to the
latent size. Its dropout 0.4 before the dense layer is left out: the thesis code called the encoder outside
`fit`, where Keras runs in inference mode, so that dropout never acted on the results it reports.
"""
import keras
from keras import layers


def build_encoder(opts, image_size):
    """F for `image_size` square images with `opts.channels` channels; filters scale with `opts.width`."""
    init = opts.kernel_initializer()
    x = image = keras.Input((image_size, image_size, opts.channels), name="image")
    for filters, strides in ((64, 1), (128, 2), (128, 2), (256, 2)):
        x = layers.Conv2D(opts.filters(filters), 3, strides=strides, padding="same", kernel_initializer=init)(x)
        x = layers.LeakyReLU(0.2)(x)
    z = layers.Dense(opts.latent_dim, kernel_initializer=init, dtype="float32", name="z")(layers.Flatten()(x))
    return keras.Model(image, z, name="encoder")
