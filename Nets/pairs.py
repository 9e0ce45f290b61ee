"""Generators and discriminators for one or two domains, sharing exactly the blocks asked for.

Sharing means the very same Keras layer objects appear in both nets, so CoGAN's shared
layers are one set of variables. The joint generator runs shared blocks once per batch
and feeds each domain's own head from that one activation.
"""
from dataclasses import dataclass, replace

import keras

from Nets.architectures import BUILDERS, sample_shape


@dataclass
class GeneratorSet:
    """joint: z -> per domain [features..., image]; single[i]: z -> [features..., image] of domain i."""

    joint: keras.Model
    single: list
    n_features: int

    def images(self, outputs):
        """The images of each domain from the joint model's flat output list."""
        stride = self.n_features + 1
        return [outputs[i * stride + self.n_features] for i in range(len(self.single))]

    def features(self, outputs):
        stride = self.n_features + 1
        return [outputs[i * stride : i * stride + self.n_features] for i in range(len(self.single))]

    def compiled_images(self, input_signature=None):
        """z -> [image per domain] in inference mode, one XLA-compiled function for bulk generation (evaluation).

        On the CPU, XLA runs the thesis's 32x32 generators' transposed convolutions 1.7x faster than TensorFlow's
        default kernels, with the same images to about 3e-7 (benchmarks/bench_generate.py); it compiles once per
        batch shape."""
        import tensorflow as tf

        return tf.function(lambda z: self.images(self.joint(z, training=False)), input_signature=input_signature,
                           jit_compile=True)

    def image_model(self, domain):
        """z -> image of `domain`, for export and sampling."""
        g = self.single[domain]
        return keras.Model(g.inputs[0], g.outputs[-1], name=f"generator_{domain + 1}")

    @staticmethod
    def inputs(z, reals):
        """What `joint` reads in a training step: the latent rows (Nets/translators.py's sets read `reals`)."""
        return z

    def paired_variables(self):
        """The two generators' trainable variables (for the weight regulariser and the weight_diff metric), or
        None for one generator."""
        return (self.single[0].trainable_variables, self.single[1].trainable_variables) if len(self.single) == 2 \
            else None

    def image_models(self):
        """{export name: net} of every generator, z -> image."""
        return {f"generator_{i + 1}": self.image_model(i) for i in range(len(self.single))}


def _apply(block, x):
    for layer in block:
        x = layer(x)
    return x


def build_generators(arch, opts, n_domains, shared_blocks=0):
    """Generators of `n_domains` domains whose first `shared_blocks` blocks are shared."""
    if arch == "progressive":  # growing nets are not chains of blocks: their own builder, the same sharing
        from Nets import progressive

        return progressive.build_generators(opts, n_domains, shared_blocks)
    make_blocks = BUILDERS[arch][0]
    per_domain = [make_blocks(opts) for _ in range(n_domains)]
    for blocks in per_domain[1:]:
        blocks[:shared_blocks] = per_domain[0][:shared_blocks]
    z = keras.Input((opts.latent_dim,), name="z")
    trunk, x = [], z
    for block in per_domain[0][:shared_blocks]:
        x = _apply(block, x)
        trunk.append(x)
    outputs = []
    for blocks in per_domain:
        h, feats = x, list(trunk)
        for block in blocks[shared_blocks:]:
            h = _apply(block, h)
            feats.append(h)
        outputs.append(feats)
    n_features = len(outputs[0]) - 1
    single = [keras.Model(z, outs, name=f"generator_{i + 1}") for i, outs in enumerate(outputs)]
    joint = keras.Model(z, [t for outs in outputs for t in outs], name="generators")
    return GeneratorSet(joint, single, n_features)


def build_discriminators(arch, opts, image_size, n_domains, shared_blocks=0):
    """Discriminators (image -> logit) whose last `shared_blocks` blocks (the logit layer counts) are shared. They
    read `image_size` images whatever `opts.image_size` says (nets made for several sizes build for that one)."""
    if arch == "progressive":
        from Nets import progressive

        return progressive.build_discriminators(opts, n_domains, shared_blocks)
    make_blocks, opts = BUILDERS[arch][1], replace(opts, image_size=image_size)
    per_domain = [make_blocks(opts) for _ in range(n_domains)]
    if shared_blocks:
        first_shared = len(per_domain[0]) - shared_blocks
        for blocks in per_domain[1:]:
            blocks[first_shared:] = per_domain[0][first_shared:]
    nets = []
    for i, blocks in enumerate(per_domain):
        x = image = keras.Input(sample_shape(arch, image_size, opts.channels), name="image")
        for block in blocks:
            x = _apply(block, x)
        nets.append(keras.Model(image, x, name=f"discriminator_{i + 1}"))
    return nets


def with_features(discriminator):
    """image -> [penultimate features, logit] on the very same layers, so the same variables: the features are
    what the logit layer reads, the critic's second-to-last layer that CT-GAN's consistency term compares (Wei et
    al. 2018). The discriminators above are chains of layers, so applying their layers again in order rebuilds
    them (a new call of each layer, as CoGAN's second net calls its shared layers)."""
    x = image = keras.Input(discriminator.inputs[0].shape[1:], name="image")
    *hidden, logit = discriminator.layers[1:]
    for layer in hidden:
        x = layer(x)
    return keras.Model(image, [x, logit(x)], name=f"{discriminator.name}_with_features")
