"""Progressive growing of GANs (Karras et al. 2018): nets that grow from 4x4 to the final size, fading new blocks in.

Both nets hold every resolution's block from construction on (one checkpoint holds them all); which of them run is
decided at call time by the `Growth` the nets share: the current level (a Python int, so a compiled step is traced
once per resolution) and the fade-in weight alpha (a tensor, a pure function of the training step). Level k works
at side 4 * 2^k. While level k fades in, the generator's output is
    (1 - alpha) * upsample(toRGB_{k-1}(h)) + alpha * toRGB_k(block_k(h))
and the discriminator mirrors it, (1 - alpha) * fromRGB_{k-1}(avgpool(x)) + alpha * block_k(fromRGB_k(x)).

Whatever the level, the nets read and write images of the final size, so the rest of the framework (data, sample
grids, export, evaluate) never sees the growth: the generator upsamples its image to the final size by nearest
neighbour, and the discriminator takes every f-th pixel of its input (f = final side / level side). Real images are
prepared to match (`Growth.real_images`: averaged down to the level, blended with the level below by the same alpha,
repeated up), so for both real and generated images that subsampling returns the level's image exactly, and the
gradient with respect to the full-size input has the norm of the gradient with respect to the level's image: the
gradient penalty constrains what the paper constrains. Unbuilt levels get no gradient, so the optimisers leave them.

The paper's other tricks are here too: equalised learning rate (weights drawn N(0, 1) and scaled at run time by He's
constant sqrt(2 / fan_in), so Adam's step is the same relative size for every layer), pixelwise feature
normalisation after every generator conv, and the minibatch standard deviation as one more feature map before the
discriminator's last block. Widths follow the paper's 512 up to 32x32, halving per doubling above (x --width).
"""
import math
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Optional

import keras
import tensorflow as tf
from keras import layers

from Nets.pairs import GeneratorSet

HE_GAIN = math.sqrt(2.0)
LEAK = 0.2
EPSILON = 1e-8
GROUP_SIZE = 4  # the paper's minibatch standard deviation group


def side(level):
    """The image side a level works at: 4 * 2^level."""
    return 4 * 2 ** level


def final_level(image_size):
    """The level of a final `image_size` (a power of two, at least 4)."""
    return int(math.log2(image_size)) - 2


def paper_width(side_):
    """Feature maps at a side, as the paper's fmap_base 8192 / fmap_max 512: 512 up to 32x32, then halving."""
    return min(512, 16384 // side_)


@dataclass(frozen=True)
class GrowthSchedule:
    """Which level trains at a step, and its fade-in weight: the start level stabilises for `phase_steps` steps,
    then each next level fades in over `phase_steps` steps and stabilises for as many; the final level stays.
    Pure functions of the step, so a resumed run needs nothing stored but the step."""

    start_level: int
    final_level: int
    phase_steps: int

    def level_start(self, level):
        """The first step of `level` (its fade-in's first step above the start level)."""
        return 0 if level == self.start_level else self.phase_steps * (2 * (level - self.start_level) - 1)

    def level(self, step):
        if step < self.phase_steps:
            return self.start_level
        return min(self.start_level + 1 + (step - self.phase_steps) // (2 * self.phase_steps), self.final_level)

    def next_change(self, step):
        """The first step after `step` that trains another level (None when `step`'s level is the final one)."""
        level = self.level(step)
        return None if level == self.final_level else self.level_start(level + 1)

    def alpha(self, step, level):
        """The fade-in weight at `step` of `level`: 0 at its first step, rising by 1 / phase_steps per step, 1 from
        the end of its fade on (and always 1 at the start level). `step` is an int or a tensor."""
        if level == self.start_level:
            return 1.0
        fraction = (step - self.level_start(level)) / self.phase_steps
        if isinstance(fraction, (int, float)):
            return min(max(fraction, 0.0), 1.0)
        return tf.clip_by_value(tf.cast(fraction, tf.float32), 0.0, 1.0)


class Growth:
    """The level and fade-in weight that the nets of one setup share. Without a bound schedule (sampling,
    evaluation, export, or --arch progressive without --progressive) the nets run at the final level.

    The trainer binds its step counter (`bind`); Trainers/progressive.py sets `level` before it traces a level's
    compiled step. alpha is read from the step counter inside the step, so it changes without a retrace."""

    def __init__(self, image_size: int, schedule: Optional[GrowthSchedule] = None):
        self.image_size = image_size
        self.final_level = final_level(image_size)
        self.schedule = schedule
        self.level: Optional[int] = None  # None: the final level, no fade
        self.step = None
        self._fixed = None

    def bind(self, step):
        self.step = step

    @contextmanager
    def fixed(self, level, alpha=None):
        """Run the nets at `level` with fade-in weight `alpha` (None: no fade) inside the block: to build every
        level's layers, and in tests."""
        previous, self._fixed = self._fixed, (level, alpha)
        try:
            yield
        finally:
            self._fixed = previous

    def current(self):
        """(level, alpha): alpha is None where nothing fades (level 0, the start level, no schedule)."""
        if self._fixed is not None:
            return self._fixed
        if self.level is None or self.schedule is None or self.step is None:
            return self.final_level, None
        if self.level == self.schedule.start_level:
            return self.level, None
        return self.level, self.schedule.alpha(tf.cast(self.step, tf.float32), self.level)

    def factor(self, level):
        return self.image_size // side(level)

    def real_images(self, images):
        """Real images as the current level sees them (the paper's Figure 2): averaged down to its side, during a
        fade blended with the level below (averaged down once more and repeated up) by alpha, then repeated up to
        the final size."""
        level, alpha = self.current()
        f = self.factor(level)
        if f == 1 and alpha is None:
            return images
        x = _average_down(images, f)
        if alpha is not None:
            x = _blend(_repeat_up(_average_down(x, 2), 2), x, alpha)
        return _repeat_up(x, f)


def _average_down(x, f):
    return x if f == 1 else tf.nn.avg_pool2d(x, f, f, "VALID")


def _repeat_up(x, f):
    """Nearest-neighbour upsampling by a whole factor, exact (every pixel copied f x f times)."""
    return x if f == 1 else tf.repeat(tf.repeat(x, f, axis=1), f, axis=2)


def _blend(old, new, alpha):
    """(1 - alpha) * old + alpha * new: exactly `old` at alpha 0 and exactly `new` at alpha 1."""
    alpha = tf.cast(alpha, new.dtype)
    return (1.0 - alpha) * old + alpha * new


# ---- the paper's layers -----------------------------------------------------------------------------------------

class EqualizedDense(layers.Layer):
    """A dense layer with equalised learning rate: kernel ~ N(0, 1), multiplied at run time by gain / sqrt(fan_in)."""

    def __init__(self, units, gain=HE_GAIN, **kwargs):
        super().__init__(**kwargs)
        self.units, self.gain = units, gain

    def build(self, input_shape):
        fan_in = int(input_shape[-1])
        self.scale = self.gain / math.sqrt(fan_in)
        self.kernel = self.add_weight(shape=(fan_in, self.units), initializer=keras.initializers.RandomNormal(0, 1),
                                      name="kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, x):
        return tf.matmul(x, tf.cast(self.kernel, x.dtype) * self.scale) + tf.cast(self.bias, x.dtype)


class EqualizedConv2D(layers.Layer):
    """A stride-1, 'same' convolution with equalised learning rate (fan_in = kernel^2 x input channels)."""

    def __init__(self, filters, kernel_size, gain=HE_GAIN, **kwargs):
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.gain = filters, kernel_size, gain

    def build(self, input_shape):
        k, channels = self.kernel_size, int(input_shape[-1])
        self.scale = self.gain / math.sqrt(k * k * channels)
        self.kernel = self.add_weight(shape=(k, k, channels, self.filters),
                                      initializer=keras.initializers.RandomNormal(0, 1), name="kernel")
        self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias")

    def call(self, x):
        y = tf.nn.conv2d(x, tf.cast(self.kernel, x.dtype) * self.scale, 1, "SAME")
        return y + tf.cast(self.bias, x.dtype)


def pixel_norm(x):
    """Each pixel's feature vector divided by its root mean square over the channels (the paper's Sec. 4.2)."""
    return x * tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=-1, keepdims=True) + EPSILON)


class PixelNorm(layers.Layer):
    def call(self, x):
        return pixel_norm(x)


class MinibatchStdDev(layers.Layer):
    """One more feature map: the standard deviation of each feature over a group of `group_size` images, averaged
    over features and pixels, the same value for the whole map and for every image of the group (Sec. 3). Image i
    belongs to group i mod (batch / group size), as in the paper's code; the group is the largest of group_size,
    ..., 1 dividing the batch."""

    def __init__(self, group_size=GROUP_SIZE, **kwargs):
        super().__init__(**kwargs)
        self.group_size = group_size

    def call(self, x):
        n = tf.shape(x)[0]
        candidates = tf.range(self.group_size, 0, -1)
        group = candidates[tf.argmax(tf.cast(n % candidates == 0, tf.int32))]
        shape = tf.shape(x)
        y = tf.reshape(tf.cast(x, tf.float32), tf.concat([[group, -1], shape[1:]], 0))
        y = y - tf.reduce_mean(y, axis=0, keepdims=True)
        std = tf.sqrt(tf.reduce_mean(tf.square(y), axis=0) + EPSILON)  # [batch / group, H, W, C]
        stat = tf.reduce_mean(std, axis=[1, 2, 3])[:, None, None, None]
        stat = tf.tile(stat, tf.stack([group, shape[1], shape[2], 1]))
        return tf.concat([x, tf.cast(stat, x.dtype)], axis=-1)


# ---- blocks -----------------------------------------------------------------------------------------------------

def _conv(filters, kernel=3):
    return [EqualizedConv2D(filters, kernel), layers.LeakyReLU(LEAK)]


def generator_block(opts, level):
    """Level 0: z (pixel-normalised) -> dense 4x4 -> conv 3x3; level k: upsample 2x -> two convs 3x3; a pixel norm
    after every activation."""
    width = opts.filters(paper_width(side(level)))
    if level == 0:
        first = [EqualizedDense(16 * width), layers.Reshape((4, 4, width)), layers.LeakyReLU(LEAK)]
    else:
        first = [layers.UpSampling2D(2), *_conv(width)]
    return keras.Sequential([*first, PixelNorm(), *_conv(width), PixelNorm()], name=f"g_block_{side(level)}")


def to_rgb(opts, level):
    """1x1 conv to the image channels, linear (gain 1), as the paper."""
    return EqualizedConv2D(opts.channels, 1, gain=1.0, name=f"to_rgb_{side(level)}")


def from_rgb(opts, level):
    return keras.Sequential(_conv(opts.filters(paper_width(side(level))), 1), name=f"from_rgb_{side(level)}")


def discriminator_block(opts, level):
    """Level k > 0: two convs 3x3 (the second to the width of level k - 1), then average pooling 2x; level 0: the
    minibatch standard deviation, conv 3x3, dense 4x4 -> width, dense -> the logit (linear, gain 1)."""
    width = opts.filters(paper_width(side(level)))
    if level > 0:
        below = opts.filters(paper_width(side(level - 1)))
        return keras.Sequential([*_conv(width), *_conv(below), layers.AveragePooling2D(2)],
                                name=f"d_block_{side(level)}")
    return keras.Sequential([MinibatchStdDev(), *_conv(width), layers.Flatten(), EqualizedDense(width),
                             layers.LeakyReLU(LEAK), EqualizedDense(1, gain=1.0)], name="d_block_4")


# ---- the nets ---------------------------------------------------------------------------------------------------

def _tracked(model, name, layers_):
    """`layers_` as a list, each also an attribute of `model` (name_0, name_1, ...): tf.train.Checkpoint follows
    a Keras 3 model's layer attributes but not layers inside a Python list, which it would silently leave out of
    every checkpoint."""
    layers_ = list(layers_)
    for i, layer in enumerate(layers_):
        setattr(model, f"{name}_{i}", layer)
    return layers_


class ProgressiveGenerator(keras.Model):
    """z -> image of the final size, from the blocks up to the growth's current level (fading the last in)."""

    def __init__(self, blocks, to_rgbs, growth, latent_dim, **kwargs):
        super().__init__(**kwargs)
        self.blocks, self.to_rgbs = _tracked(self, "block", blocks), _tracked(self, "to_rgb", to_rgbs)
        self.growth, self.latent_dim = growth, latent_dim

    def build(self, input_shape):
        """Nothing to build here: every level's layers build on their first call (_build_every_level)."""

    def call(self, z, training=None):
        level, alpha = self.growth.current()
        h = pixel_norm(z)  # the paper normalises the latent vector too
        for block in self.blocks[:level]:
            h = block(h)
        image = self.to_rgbs[level](self.blocks[level](h))
        if alpha is not None and level > 0:
            image = _blend(_repeat_up(self.to_rgbs[level - 1](h), 2), image, alpha)
        return _repeat_up(image, self.growth.factor(level))


class ProgressiveDiscriminator(keras.Model):
    """Image of the final size -> logit, from the growth's current level down (fading its block in)."""

    def __init__(self, from_rgbs, blocks, growth, **kwargs):
        super().__init__(**kwargs)
        self.from_rgbs, self.blocks = _tracked(self, "from_rgb", from_rgbs), _tracked(self, "block", blocks)
        self.growth = growth

    def build(self, input_shape):
        """Nothing to build here: every level's layers build on their first call (_build_every_level)."""

    def call(self, images, training=None):
        level, alpha = self.growth.current()
        f = self.growth.factor(level)
        x = images[:, ::f, ::f, :] if f > 1 else images
        h = self.blocks[level](self.from_rgbs[level](x))
        if alpha is not None and level > 0:
            h = _blend(self.from_rgbs[level - 1](_average_down(x, 2)), h, alpha)
        for block in reversed(self.blocks[:level]):
            h = block(h)
        return h


class JointGenerators(keras.Model):
    """z -> [image of domain 1, image of domain 2, ...]: what the training step and the checkpoints hold."""

    def __init__(self, generators, **kwargs):
        super().__init__(**kwargs)
        self.generators = _tracked(self, "generator", generators)

    def build(self, input_shape):
        """Nothing to build here: every level's layers build on their first call (_build_every_level)."""

    def call(self, z, training=None):
        return [g(z, training=training) for g in self.generators]


@dataclass
class ProgressiveGeneratorSet(GeneratorSet):
    """A GeneratorSet of growing generators: no feature maps (they change size as the nets grow)."""

    growth: Optional[Growth] = None

    def image_model(self, domain):
        """z -> final-size image of `domain`, a functional model for export and sampling."""
        z = keras.Input((self.single[domain].latent_dim,), name="z")
        return keras.Model(z, self.single[domain](z), name=f"generator_{domain + 1}")


def _build_every_level(model, growth, input_shape):
    """Call `model` once at every level, fading, so every block's weights exist before checkpoints and optimisers
    look for them."""
    for level in range(growth.final_level + 1):
        with growth.fixed(level, 0.5 if level > 0 else None):
            model(tf.zeros((GROUP_SIZE, *input_shape)))


def _domain_blocks(make_block, opts, levels, n_domains, shared_blocks):
    """Each domain's block per level; the first `shared_blocks` are the same layer objects in every domain."""
    per_domain = [[make_block(opts, k) for k in levels] for _ in range(n_domains)]
    for blocks in per_domain[1:]:
        blocks[:shared_blocks] = per_domain[0][:shared_blocks]
    return per_domain


def build_generators(opts, n_domains, shared_blocks=0):
    """Growing generators of `n_domains` domains whose first `shared_blocks` blocks (from 4x4 up) are the same
    layers; each domain has its own toRGB layers."""
    growth = opts.growth
    levels = range(growth.final_level + 1)
    per_domain = _domain_blocks(generator_block, opts, levels, n_domains, shared_blocks)
    single = []
    for i, blocks in enumerate(per_domain):
        g = ProgressiveGenerator(blocks, [to_rgb(opts, k) for k in levels], growth, opts.latent_dim,
                                 name=f"generator_{i + 1}")
        _build_every_level(g, growth, (opts.latent_dim,))
        single.append(g)
    joint = JointGenerators(single, name="generators")
    joint(tf.zeros((1, opts.latent_dim)))
    return ProgressiveGeneratorSet(joint, single, 0, growth)


def build_discriminators(opts, n_domains, shared_blocks=0):
    """Growing discriminators whose last `shared_blocks` blocks (the logit's, 4x4, first; then 8x8, ...) are the
    same layers; each domain has its own fromRGB layers."""
    growth = opts.growth
    levels = range(growth.final_level + 1)
    per_domain = _domain_blocks(discriminator_block, opts, levels, n_domains, shared_blocks)
    nets = []
    for i, blocks in enumerate(per_domain):
        d = ProgressiveDiscriminator([from_rgb(opts, k) for k in levels], blocks, growth,
                                     name=f"discriminator_{i + 1}")
        _build_every_level(d, growth, (growth.image_size, growth.image_size, opts.channels))
        nets.append(d)
    return nets
