"""Sharing is real (same variables) for CoGAN and absent for SCoGAN; shapes follow the thesis tables."""
import numpy as np
import pytest

from Nets.options import NetOptions
from Nets.pairs import build_discriminators, build_generators

OPTS = NetOptions(width=1 / 64)


def ids(model):
    return {id(v) for v in model.trainable_variables}


@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_cogan_generators_share_the_first_k_blocks(k):
    gens = build_generators("cogan32", OPTS, 2, shared_blocks=k)
    g1, g2 = gens.single
    shared = ids(g1) & ids(g2)
    own_1 = [v for v in g1.trainable_variables if id(v) not in shared]
    assert shared and own_1
    # the joint model holds each shared variable once
    assert len(gens.joint.trainable_variables) == len(ids(g1) | ids(g2))
    # trainable variables: dense kernel+bias or biasless convT kernel, BN gamma+beta, PReLU alpha
    assert len(shared) == 5 + 4 * (k - 1)


def test_cogan_joint_runs_the_shared_trunk_once():
    gens = build_generators("cogan32", OPTS, 2, shared_blocks=4)
    outs = gens.joint(np.zeros((2, 100), np.float32))
    f1, f2 = gens.features(outs)
    assert all(a is b for a, b in zip(f1, f2))  # one tensor feeds both heads


def test_cogan_discriminators_share_the_top_blocks():
    d1, d2 = build_discriminators("cogan32", OPTS, 32, 2, shared_blocks=3)
    shared = ids(d1) & ids(d2)
    assert len(shared) == len(ids(d1)) - 2  # only conv 20 (kernel, bias) is each one's own


def test_scogan_shares_nothing():
    gens = build_generators("cogan32", OPTS, 2, shared_blocks=0)
    d1, d2 = build_discriminators("cogan32", OPTS, 32, 2, shared_blocks=0)
    assert not ids(gens.single[0]) & ids(gens.single[1])
    assert not ids(d1) & ids(d2)


def test_generator_outputs_features_then_image():
    gens = build_generators("cogan32", NetOptions(width=1 / 64, latent_dim=7), 1)
    outs = gens.single[0](np.random.uniform(-1, 1, (3, 7)).astype(np.float32))
    assert [tuple(o.shape) for o in outs] == [(3, 4, 4, 16), (3, 8, 8, 8), (3, 16, 16, 4), (3, 32, 32, 2),
                                               (3, 32, 32, 3)]
    assert np.abs(outs[-1]).max() <= 1.0


def test_thesis_width_shapes_and_discriminator_logit():
    gens = build_generators("cogan32", NetOptions(), 1)
    assert [tuple(o.shape[1:]) for o in gens.single[0].outputs] == [(4, 4, 1024), (8, 8, 512), (16, 16, 256),
                                                                     (32, 32, 128), (32, 32, 3)]
    (d,) = build_discriminators("cogan32", NetOptions(), 32, 1)
    assert [l.__class__.__name__ for l in d.layers[1:]] == [
        "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "PReLU", "Dropout", "Dense"]
    assert d.output.shape[1:] == (1,)


@pytest.mark.parametrize("shared", [0, 1])
def test_first_convt_is_table_3_1s_layer_inside_the_shared_projection(shared):
    plain = build_generators("cogan32", NetOptions(width=1 / 64), 2, shared_blocks=shared)
    table = build_generators("cogan32", NetOptions(width=1 / 64, first_convt=True), 2, shared_blocks=shared)
    convt = [l for l in table.single[0].layers if l.__class__.__name__ == "Conv2DTranspose"][0]
    assert (convt.filters, convt.kernel_size, convt.strides) == (16, (4, 4), (1, 1))  # 1024 / 64, k4, s1
    extra = table.single[0].count_params() - plain.single[0].count_params()
    assert extra == 4 * 4 * 16 * 16  # kernel 4x4, 1024 -> 1024 channels at width 1/64, no bias before batch norm
    assert tuple(table.single[0].outputs[0].shape[1:]) == (4, 4, 16)  # still the 4x4x1024 block
    # CoGAN shares it with the projection (Table 3.1: "yes"); SCoGAN's generators each have their own
    assert (id(convt.kernel) in ids(table.single[1])) == bool(shared)


@pytest.mark.parametrize("init", ["normal", "xavier", "he"])
def test_initialisers_differ(init):
    kernel = build_generators("cogan32", NetOptions(width=1 / 64, init=init), 1).single[0].trainable_variables[0]
    std = float(np.std(kernel.numpy()))
    if init == "normal":
        assert std == pytest.approx(0.02, rel=0.1)
    else:
        assert std > 0.03
