"""The 128x128 and 256x256 nets (thesis Tables A.1-A.4), CoGAN sharing by identity, SCoGAN features, the
discriminator normalisations, and one CoGAN and one SCoGAN training step at 128x128 on CPU."""
import numpy as np
import pytest
import tensorflow as tf

from Nets.catalog import ARCHITECTURES, architecture_for
from Nets.options import NetOptions
from Nets.pairs import build_discriminators, build_generators
from Trainers.adversarial import AdversarialTrainer
from Trainers.builders import build_setup

TINY = NetOptions(width=1 / 32)


def ids(model):
    return {id(v) for v in model.trainable_variables}


def layer_names(model):
    return [layer.__class__.__name__ for layer in model.layers[1:]]


def test_thesis_width_128_generator_and_discriminator():
    gens = build_generators("cogan128", NetOptions(), 1)
    assert [tuple(o.shape[1:]) for o in gens.single[0].outputs] == [
        (4, 4, 1024), (8, 8, 512), (16, 16, 256), (32, 32, 128), (64, 64, 64), (128, 128, 3)]
    image_block = [layer for layer in gens.single[0].layers if "conv2d_transpose" in layer.name][-2:]
    assert [(l.filters, l.kernel_size, l.strides) for l in image_block] == [(32, (4, 4), (2, 2)), (3, (3, 3), (1, 1))]
    (d,) = build_discriminators("cogan128", NetOptions(), 128, 1)
    convs = [(l.filters, l.kernel_size[0], l.strides[0]) for l in d.layers if l.__class__.__name__ == "Conv2D"]
    assert convs == [(32, 5, 2), (64, 5, 2), (128, 5, 2), (256, 3, 2), (512, 3, 2), (1024, 3, 2)]
    assert [l.rate for l in d.layers if l.__class__.__name__ == "Dropout"] == [0.1, 0.3, 0.3, 0.5, 0.5]
    dense = [l.units for l in d.layers if l.__class__.__name__ == "Dense"]
    assert dense == [2048, 1] and d.output.shape[1:] == (1,)
    assert layer_names(d).count("BatchNormalization") == 7 and layer_names(d).count("PReLU") == 7


def test_256_nets_follow_tables_a3_a4():
    gens = build_generators("cogan256", NetOptions(width=1 / 16), 1)
    assert [tuple(o.shape[1:]) for o in gens.single[0].outputs] == [
        (4, 4, 128), (8, 8, 64), (16, 16, 32), (32, 32, 16), (64, 64, 8), (128, 128, 4), (256, 256, 2), (256, 256, 3)]
    (d,) = build_discriminators("cogan256", NetOptions(width=1 / 16), 256, 1)
    convs = [(l.filters, l.kernel_size[0]) for l in d.layers if l.__class__.__name__ == "Conv2D"]
    assert convs == [(2, 5), (4, 5), (8, 5), (16, 5), (32, 5), (64, 5)]
    assert d.layers[-1].units == 1 and d(np.zeros((2, 256, 256, 3), np.float32)).shape == (2, 1)


@pytest.mark.parametrize("arch,size,image_vars", [("cogan128", 128, 6), ("cogan256", 256, 2)])
def test_cogan_shares_the_table_rows_by_identity(arch, size, image_vars):
    spec = ARCHITECTURES[arch].blocks[size]
    gens = build_generators(arch, TINY, 2, shared_blocks=spec.generator_feature_blocks)
    g1, g2 = gens.single
    shared = ids(g1) & ids(g2)
    assert len(ids(g1) - shared) == len(ids(g2) - shared) == image_vars  # each domain's own image block
    assert len(gens.joint.trainable_variables) == len(ids(g1) | ids(g2))
    f1, f2 = gens.features(gens.joint(np.zeros((2, 100), np.float32)))
    assert len(f1) == spec.generator_feature_blocks and all(a is b for a, b in zip(f1, f2))
    d1, d2 = build_discriminators(arch, TINY, size, 2, shared_blocks=spec.default_shared_discriminator_blocks)
    own = ids(d1) - ids(d2)
    assert len(own) == len(ids(d2) - ids(d1)) == 8  # conv 32 and conv 64: kernel, BN gamma and beta, PReLU alpha
    assert {id(v) for v in d1.layers[1].trainable_variables} <= own


@pytest.mark.parametrize("arch,size", [("cogan128", 128), ("cogan256", 256)])
def test_scogan_nets_share_nothing_and_return_their_features(arch, size):
    gens = build_generators(arch, TINY, 2, shared_blocks=0)
    d1, d2 = build_discriminators(arch, TINY, size, 2, shared_blocks=0)
    assert not ids(gens.single[0]) & ids(gens.single[1]) and not ids(d1) & ids(d2)
    f1, f2 = gens.features(gens.joint(np.random.default_rng(0).uniform(-1, 1, (2, 100)).astype(np.float32)))
    assert len(f1) == ARCHITECTURES[arch].blocks[size].generator_feature_blocks
    assert all(a.shape == b.shape and not np.allclose(a, b) for a, b in zip(f1, f2))


@pytest.mark.parametrize("arch,size", [("cogan32", 32), ("cogan128", 128), ("mlp", None)])
@pytest.mark.parametrize("norm,present,absent", [
    ("layer", "GroupNormalization", ("BatchNormalization", "SpectralNormalization")),
    ("spectral", "SpectralNormalization", ("BatchNormalization", "GroupNormalization")),
    ("none", None, ("BatchNormalization", "GroupNormalization", "SpectralNormalization")),
])
def test_disc_norm_replaces_the_normalisation(arch, size, norm, present, absent):
    (d,) = build_discriminators(arch, NetOptions(width=1 / 32, disc_norm=norm), size, 1)
    names = layer_names(d)
    assert not set(absent) & set(names)
    weight_layers = [n for n in names if n in ("Conv2D", "Dense", "SpectralNormalization")]
    if present == "SpectralNormalization":
        assert set(weight_layers) == {present}  # every conv and dense, the logit included
    elif present:
        assert names.count(present) == len(weight_layers) - 1  # after every weight layer but the logit


def test_spectral_normalisation_brings_the_largest_singular_value_to_one():
    (d,) = build_discriminators("cogan32", NetOptions(width=1 / 8, disc_norm="spectral", init="he"), 32, 1)
    x = np.random.default_rng(0).uniform(-1, 1, (4, 32, 32, 3)).astype(np.float32)
    for _ in range(30):  # one power iteration per training call
        d(x, training=True)
    for wrapper in (l for l in d.layers if l.__class__.__name__ == "SpectralNormalization"):
        kernel = wrapper.layer.kernel.numpy()
        sigma = np.linalg.svd(kernel.reshape(-1, kernel.shape[-1]), compute_uv=False)[0]
        assert sigma == pytest.approx(1.0, abs=0.05)


def test_architecture_follows_the_image_size_the_thesis_nets_first():
    assert [architecture_for(s) for s in (32, 128, 256, None, 64, 96, 48)] == [
        "cogan32", "cogan128", "cogan256", "mlp", "dcgan", "dcgan", None]


@pytest.mark.parametrize("model,extra", [
    ("cogan", {"shared_layers": 5, "shared_disc_layers": 6}),
    ("scogan", {"fr_weight": 1.0, "fr_layers": 5, "wr_weight": 1.0}),
    ("scogan", {"loss": "wasserstein", "penalty": "gp", "disc_norm": "layer"}),
])
def test_one_step_at_128(make_config, model, extra):
    cfg = make_config(model=model, arch="cogan128", image_size=128, width=1 / 32, batch_size=2, **extra)
    trainer = AdversarialTrainer(build_setup(cfg), cfg)
    before = [v.numpy().copy() for v in trainer.g_vars]
    reals = tuple(tf.random.uniform((2, 128, 128, 3), -1, 1, seed=i) for i in range(2))
    metrics = {k: float(v) for k, v in trainer.compiled_step()(reals).items()}
    assert all(np.isfinite(list(metrics.values())))
    assert all(not np.array_equal(b, v.numpy()) for b, v in zip(before, trainer.g_vars))
    if extra.get("fr_weight"):
        assert metrics["feature_reg"] > 0
