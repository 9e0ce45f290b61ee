"""What a model contributes to the shared training loop: its nets and its coupling terms."""
from dataclasses import dataclass, field
from typing import Callable, Optional

import keras

from Nets.pairs import GeneratorSet


@dataclass
class Coupling:
    """A generator regulariser: `term(trainer, context)` -> unweighted scalar, added as weight * term.

    `auxiliary` is a net trained jointly, by its own optimizer, to minimise the unweighted term (the cycle
    encoder); the generators still get weight * term. Frozen nets a term reads (classifier, VGG) are not
    auxiliaries: they are never trained.
    """

    name: str
    weight: float
    term: Callable
    auxiliary: Optional[keras.Model] = None


@dataclass
class TrainingSetup:
    generators: GeneratorSet
    discriminators: list
    couplings: list = field(default_factory=list)

    @property
    def n_domains(self):
        return len(self.discriminators)

    @property
    def auxiliaries(self):
        """{name: net} of the couplings' jointly trained nets, for optimizers, checkpoints and export."""
        return {c.auxiliary.name: c.auxiliary for c in self.couplings if c.auxiliary is not None}
