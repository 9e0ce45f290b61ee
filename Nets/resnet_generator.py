"""CycleGAN's ResNet generator (Zhu et al. 2017, appendix 7.2; Johnson et al. 2016): image -> image.

c7s1-64, d128, d256, R256 x n, u128, u64, c7s1-C: 7x7 convolutions with reflection padding at both ends, two
stride-2 convolutions down and two transposed ones up, n residual blocks between (9 at 256x256, 6 at 128x128 and
below in the paper), instance norm and ReLU after every layer but the last, tanh out. `opts.width` scales every
filter count (1 is the paper's), `opts.channels` is C.
"""
import keras
from keras import layers


class ReflectionPadding(layers.Layer):
    """Pads height and width by mirroring the border pixels (PyTorch's ReflectionPad2d), which Keras lacks: the
    paper pads this way so the 7x7 and residual convolutions see no artificial zero border."""

    def __init__(self, pad, **kwargs):
        super().__init__(**kwargs)
        self.pad = pad

    def call(self, x):
        p = self.pad
        return keras.ops.pad(x, [[0, 0], [p, p], [p, p], [0, 0]], mode="reflect")

    def compute_output_shape(self, shape):
        grow = lambda side: None if side is None else side + 2 * self.pad  # noqa: E731
        return (shape[0], grow(shape[1]), grow(shape[2]), shape[3])

    def get_config(self):
        return {**super().get_config(), "pad": self.pad}


def instance_norm():
    """Instance norm without a learned affine map, as the paper's code (InstanceNorm2d(affine=False)): one group
    per channel."""
    return layers.GroupNormalization(groups=-1, center=False, scale=False, epsilon=1e-5)


def conv_norm_relu(opts, filters, kernel, strides=1, reflect=0, transposed=False):
    """[reflection pad] conv, instance norm, ReLU; the stride-2 convolutions pad with zeros, as the paper's."""
    conv = layers.Conv2DTranspose if transposed else layers.Conv2D
    padding = "valid" if reflect else "same"
    return ([ReflectionPadding(reflect)] if reflect else []) + [
        conv(opts.filters(filters), kernel, strides=strides, padding=padding, use_bias=False,
             kernel_initializer=opts.kernel_initializer()),
        instance_norm(), layers.ReLU()]


def _apply(stack, x):
    for layer in stack:
        x = layer(x)
    return x


def residual_block(opts, filters, x):
    """R<filters>: two reflection-padded 3x3 convolutions with instance norm (ReLU between), plus the input."""
    y = _apply(conv_norm_relu(opts, filters, 3, reflect=1), x)
    y = _apply([ReflectionPadding(1), layers.Conv2D(opts.filters(filters), 3, use_bias=False,
                                                    kernel_initializer=opts.kernel_initializer()),
                instance_norm()], y)
    return layers.Add()([x, y])


def default_residual_blocks(image_size):
    """The paper's depth: 9 residual blocks for 256x256 images, 6 for 128x128 and smaller."""
    return 9 if image_size >= 256 else 6


def resnet_generator(opts, image_size, residual_blocks, name):
    """image [size, size, C] -> image of the same shape, in [-1, 1] (float32 under mixed precision)."""
    image = keras.Input((image_size, image_size, opts.channels), name="image")
    x = _apply(conv_norm_relu(opts, 64, 7, reflect=3), image)
    x = _apply(conv_norm_relu(opts, 128, 3, strides=2) + conv_norm_relu(opts, 256, 3, strides=2), x)
    for _ in range(residual_blocks):
        x = residual_block(opts, 256, x)
    x = _apply(conv_norm_relu(opts, 128, 3, strides=2, transposed=True)
               + conv_norm_relu(opts, 64, 3, strides=2, transposed=True), x)
    x = _apply([ReflectionPadding(3), layers.Conv2D(opts.channels, 7, kernel_initializer=opts.kernel_initializer()),
                layers.Activation("tanh", dtype="float32")], x)
    return keras.Model(image, x, name=name)
