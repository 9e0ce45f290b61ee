"""LPIPS v0.1 (Zhang et al. 2018) in Keras, numerically matching the official `lpips` package.

d(x, y) = sum over taps l of mean_hw( w_l . (n(f_l(x)) - n(f_l(y)))^2 ), with n() the unit-normalisation
over channels and f_l the trunk activations of the scaled input. Inputs NHWC RGB in [-1, 1].
"""
import keras
import numpy as np
import tensorflow as tf
from keras import layers

from Nets.backbones import build_trunk, load_torchvision_weights
from Nets.pretrained import MissingWeightsError, load_lpips_weights

# The official ScalingLayer: ImageNet mean/std rewritten for [-1, 1] inputs, rounded as upstream does.
SHIFT = np.array([-0.030, -0.088, -0.188], np.float32)
SCALE = np.array([0.458, 0.448, 0.450], np.float32)
EPS = 1e-10
_IMAGES = tf.TensorSpec([None, None, None, 3], tf.float32)


def unit_normalize(features):
    """x / (||x||_channels + eps), the official normalize_tensor."""
    norm = keras.ops.sqrt(keras.ops.sum(keras.ops.square(features), axis=-1, keepdims=True))
    return features / (norm + EPS)


class LPIPS(keras.Model):
    """LPIPS distance model: call((x, y)) -> [N], differentiable; `distance(x, y)` is the compiled
    inference graph for [N, H, W, 3] float32 batches in [-1, 1], any N, H, W."""

    def __init__(self, net="alex", weights=None, **kwargs):
        super().__init__(name=kwargs.pop("name", f"lpips_{net}"), **kwargs)
        self.net = net
        self.trunk = build_trunk(net)
        self.lins = []
        for k, tap in enumerate(self.trunk.outputs):
            lin = layers.Conv2D(1, 1, use_bias=False, kernel_constraint=keras.constraints.NonNeg(), name=f"lin{k}")
            lin.build((None, None, None, tap.shape[-1]))
            self.lins.append(lin)
        if weights is not None:
            self.load_weights_dict(weights)
        # One compiled graph per instance (a class-level tf.function would retrace across instances).
        self.distance = tf.function(self._distance, input_signature=[_IMAGES, _IMAGES], reduce_retracing=True)

    def load_weights_dict(self, weights):
        """Load a state dict as given by Nets.pretrained.load_lpips_weights (trunk + `lin{k}.weight`)."""
        missing = [f"lin{k}.weight" for k in range(len(self.lins)) if f"lin{k}.weight" not in weights]
        if missing:
            raise MissingWeightsError(f"LPIPS linear weights for {self.net!r} lack {', '.join(missing)}")
        load_torchvision_weights(self.trunk, self.net, weights)
        for k, lin in enumerate(self.lins):
            lin.set_weights([np.transpose(weights[f"lin{k}.weight"], (2, 3, 1, 0))])

    def call(self, inputs):
        x, y = inputs
        n = keras.ops.shape(x)[0]
        both = (keras.ops.concatenate([x, y], axis=0) - SHIFT) / SCALE
        total = 0.0
        for tap, lin in zip(self.trunk(both), self.lins):
            diff = keras.ops.square(unit_normalize(tap[:n]) - unit_normalize(tap[n:]))
            total = total + keras.ops.mean(lin(diff), axis=(1, 2, 3))
        return total

    def _distance(self, x, y):
        """[N] distances between two [N, H, W, 3] batches in [-1, 1] (one graph for all shapes)."""
        return self((x, y), training=False)

    def distances(self, x, y, batch_size=256):
        """Numpy in, numpy out, in chunks of `batch_size` pairs so large sets fit in memory."""
        x, y = np.asarray(x, np.float32), np.asarray(y, np.float32)
        if x.shape != y.shape:
            raise ValueError(f"image batches differ in shape: {x.shape} vs {y.shape}")
        chunks = [self.distance(x[i:i + batch_size], y[i:i + batch_size]).numpy() for i in range(0, len(x), batch_size)]
        return np.concatenate(chunks) if chunks else np.zeros([0], np.float32)


def load_lpips(net="alex", weights_file=None):
    """LPIPS v0.1 with the official weights (the lpips packages, fetched on first use, or `weights_file`)."""
    return LPIPS(net, load_lpips_weights(net, weights_file))
