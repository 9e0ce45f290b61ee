"""What a model contributes to the shared training loop: its nets and its coupling terms, and what a term reads."""
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple, Union

import keras
import tensorflow as tf

from Nets.pairs import GeneratorSet
from Nets.translators import TranslatorSet


@dataclass(frozen=True, eq=False)
class StepContext:
    """What a coupling term reads in one generator update, on this replica: the latent rows, each domain's
    generator feature maps and images (computed once, inside the generators' tape), the real images, and for a
    pair of generators their trainable variables. Compared and hashed by identity, so a term can memoise work
    per step (see Trainers/scogan.py's perceptual terms)."""

    z: tf.Tensor
    features: Sequence[Sequence[tf.Tensor]]
    fakes: Sequence[tf.Tensor]
    reals: Sequence[tf.Tensor]
    generator_variables: Optional[Tuple[List[tf.Variable], List[tf.Variable]]] = None


@dataclass
class Coupling:
    """A generator regulariser: `term(context: StepContext)` -> unweighted scalar, added as weight * term.

    `auxiliary` is a net trained jointly, by its own optimizer, to minimise the unweighted term (the cycle
    encoder); the generators still get weight * term. Frozen nets a term reads (classifier, VGG) are not
    auxiliaries: they are never trained.
    """

    name: str
    weight: float
    term: Callable[[StepContext], tf.Tensor]
    auxiliary: Optional[keras.Model] = None


def unconditional(reals, fakes):
    """Each discriminator judges its own domain's real images against its generated ones."""
    return list(reals), list(fakes)


@dataclass
class TrainingSetup:
    """A model's nets and terms. `generators` is a Nets/pairs.py GeneratorSet (z -> images) or a
    Nets/translators.py TranslatorSet (real images -> translations); `history_size` > 0 gives each discriminator a
    buffer of that many earlier fakes (Trainers/history.py, CycleGAN); `adversarial_losses`, a (generator loss,
    discriminator loss) pair, replaces the --loss family's when the model's paper defines its own; `judged(reals,
    fakes)` -> (real inputs, fake inputs), one per discriminator, is what the discriminators read (Pix2Pix's
    conditional one reads each input beside its target or translation)."""

    generators: Union[GeneratorSet, TranslatorSet]
    discriminators: list
    couplings: list = field(default_factory=list)
    history_size: int = 0
    adversarial_losses: Optional[Tuple[Callable, Callable]] = None
    judged: Callable = unconditional

    @property
    def n_domains(self):
        return len(self.discriminators)

    @property
    def auxiliaries(self):
        """{name: net} of the couplings' jointly trained nets, for optimizers, checkpoints and export."""
        return {c.auxiliary.name: c.auxiliary for c in self.couplings if c.auxiliary is not None}
