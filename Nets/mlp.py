"""The toy experiment's nets (thesis Table 2.1): three dense layers of 128 tanh units each, on 2D points.

Generator: z -> 128 -> 128 -> 128 (the feature blocks) -> a point [2], linear. Discriminator: point -> 128 ->
128 -> 128 -> logit; --disc-norm and --disc-dropout apply to its hidden layers like to the image discriminators'.
"""
from keras import layers

from Nets.blocks import dense_logit, disc_dropout
from Nets.normalization import disc_norm, normalised

POINT_DIM = 2
HIDDEN = (128, 128, 128)


def generator_blocks(opts):
    init = opts.kernel_initializer()
    hidden = [[layers.Dense(opts.filters(units), activation="tanh", kernel_initializer=init)] for units in HIDDEN]
    return hidden + [[layers.Dense(POINT_DIM, kernel_initializer=init, dtype="float32")]]


def discriminator_blocks(opts):
    init, norm = opts.kernel_initializer(), disc_norm(opts, "mlp")

    def hidden(units):
        dense = normalised(norm, lambda bias: layers.Dense(opts.filters(units), use_bias=bias, kernel_initializer=init))
        return dense + [layers.Activation("tanh")] + disc_dropout(opts, 0.0)

    return [hidden(units) for units in HIDDEN] + [dense_logit(opts, norm)]
