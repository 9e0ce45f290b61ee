"""What a model contributes to the shared training loop: its nets and its coupling terms."""
from dataclasses import dataclass, field
from typing import Callable

from Nets.pairs import GeneratorSet


@dataclass
class Coupling:
    """A generator regulariser: `term(trainer, outputs)` -> unweighted scalar, added as weight * term."""

    name: str
    weight: float
    term: Callable


@dataclass
class TrainingSetup:
    generators: GeneratorSet
    discriminators: list
    couplings: list = field(default_factory=list)

    @property
    def n_domains(self):
        return len(self.discriminators)
