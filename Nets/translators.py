"""Image-to-image translators in the shape the training step reads from a generator set (Nets/pairs.py).

A TranslatorSet's `joint` model reads real images instead of latent vectors and returns, in domain order, each
domain's generated images: domain 1's is the 2->1 translation of the real domain-2 batch, domain 2's the 1->2
translation of the domain-1 batch. So each discriminator judges its own domain's real and translated images, and
the step stays the one of the latent models. `translators` names each direction ("1to2", "2to1"), for sampling,
export and `translate`.
"""
from dataclasses import dataclass, field
from typing import Dict

import keras

_OPPOSITE = {"1to2": "2to1", "2to1": "1to2"}


@dataclass
class TranslatorSet:
    """joint: [real_1, real_2] (or real_1 alone, for one direction) -> [generated image per judged domain];
    translators: {"1to2": net, ...}."""

    joint: keras.Model
    translators: Dict[str, keras.Model]
    n_features: int = field(default=0, init=False)  # translators expose no feature maps to couplings

    def inputs(self, z, reals):
        """What `joint` reads: the real batches it translates, in domain order (z is unused)."""
        return list(reals) if len(self.joint.inputs) > 1 else reals[0]

    def images(self, outputs):
        """The generated images as a list (a model of one output returns a lone tensor)."""
        return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]

    def features(self, outputs):
        return [[] for _ in self.images(outputs)]

    def paired_variables(self):
        """None: two translators are not a weight-paired pair of generators (no weight_diff metric)."""
        return None

    def sample_rows(self, inputs):
        """The rows of a sample grid of `inputs` (a batch per domain, index-aligned for paired data): per
        direction the inputs, their translations and the translations back, or, without a translator back, the
        inputs' targets from the other domain."""
        rows = []
        for direction, net in self.translators.items():
            source, target = (0, 1) if direction == "1to2" else (1, 0)
            translated = net(inputs[source], training=False)
            back = self.translators.get(_OPPOSITE[direction])
            rows += [inputs[source], translated, back(translated, training=False) if back else inputs[target]]
        return rows

    def image_models(self):
        """{export name: net} of every translator, image -> image."""
        return {f"translator_{direction}": net for direction, net in self.translators.items()}


def cycle_translators(to_2, to_1):
    """The set of CycleGAN's two translators `to_2` (1->2) and `to_1` (2->1), both reading and making images."""
    real_1 = keras.Input(to_2.inputs[0].shape[1:], name="real_1")
    real_2 = keras.Input(to_1.inputs[0].shape[1:], name="real_2")
    joint = keras.Model([real_1, real_2], [to_1(real_2), to_2(real_1)], name="translators")
    return TranslatorSet(joint, {"1to2": to_2, "2to1": to_1})
