"""Shared fixtures: tiny configurations (batch 8, a few filters) so every test runs in seconds."""
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
sys.path.insert(0, str(REPO))


def tiny_config(**overrides):
    """A resolved train configuration with nets 1/8 of the thesis's width (generator 128..16 filters); overrides
    by flat setting name, without the cross-field rules (tests build nets for settings train would resolve)."""
    from Trainers.config import from_flat

    cfg = {"arch": "cogan32", "width": 1 / 8, "batch_size": 8, "image_size": 32, "optimizer": "adam", "lr": 2e-4,
           "shared_layers": 4, "shared_disc_layers": 3, "quiet": True}
    cfg.update(overrides)
    return from_flat(cfg)


@pytest.fixture
def make_config():
    return tiny_config


@pytest.fixture(scope="session")
def shared_dir():
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} (shared test data beside the checkout) is absent on this machine")
    return SHARED
