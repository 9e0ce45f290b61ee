"""The DCGAN nets (Radford et al. 2015) follow the paper's layer rules at 32x32, 64x64 and 96x96; CoGAN pairs of
them share blocks by identity; `--arch dcgan` resolves by image size and trains; the old names of the thesis's
CoGAN nets are refused on the command line with the new name."""
from dataclasses import replace

import numpy as np
import pytest
import tensorflow as tf

from Nets.catalog import ARCHITECTURES
from Nets.options import NetOptions
from Nets.pairs import build_discriminators, build_generators
from Trainers import config
from Utils.errors import ConfigError

TINY = NetOptions(width=1 / 16)
SIZES = (32, 64, 96)
# image side: (G's feature maps as (side, filters) at width 1, D's conv widths)
LAYERS = {32: ([(4, 512), (8, 256), (16, 128)], [128, 256, 512]),
          64: ([(4, 1024), (8, 512), (16, 256), (32, 128)], [128, 256, 512, 1024]),
          96: ([(6, 1024), (12, 512), (24, 256), (48, 128)], [128, 256, 512, 1024])}


def names(model):
    return [layer.__class__.__name__ for layer in model.layers[1:]]


def of(model, kind):
    return [layer for layer in model.layers if layer.__class__.__name__ == kind]


def ids(model):
    return {id(v) for v in model.trainable_variables}


def nets(size, opts=TINY, n_domains=1, shared_g=0, shared_d=0):
    opts = replace(opts, image_size=size)
    return (build_generators("dcgan", opts, n_domains, shared_blocks=shared_g),
            build_discriminators("dcgan", opts, size, n_domains, shared_blocks=shared_d))


@pytest.mark.parametrize("size", SIZES)
def test_generator_projects_z_then_upsamples_by_strided_transposed_convs_to_a_tanh_image(size):
    gens, _ = nets(size)
    g = gens.single[0]
    features, _ = LAYERS[size]
    # the projection (dense, reshaped) is the only dense layer; batch norm and ReLU after every layer but the output
    assert names(g) == (["Dense", "Reshape", "BatchNormalization", "ReLU"]
                        + ["Conv2DTranspose", "BatchNormalization", "ReLU"] * (len(features) - 1)
                        + ["Conv2DTranspose", "Activation"])
    assert [(l.strides, l.kernel_size) for l in of(g, "Conv2DTranspose")] == [((2, 2), (5, 5))] * len(features)
    assert all(l.negative_slope == 0 and l.max_value is None for l in of(g, "ReLU"))
    assert g.layers[-1].get_config()["activation"] == "tanh"
    assert [tuple(o.shape[1:]) for o in g.outputs] == [(s, s, max(1, round(f / 16))) for s, f in features] + [
        (size, size, 3)]
    image = g(np.random.default_rng(0).uniform(-1, 1, (2, 100)).astype(np.float32))[-1]
    assert image.shape == (2, size, size, 3) and np.abs(image).max() <= 1.0


@pytest.mark.parametrize("size", SIZES)
def test_discriminator_downsamples_by_strided_convs_with_leaky_relu_and_no_norm_on_its_input(size):
    _, (d,) = nets(size)
    _, widths = LAYERS[size]
    assert names(d) == (["Conv2D", "LeakyReLU"] + ["Conv2D", "BatchNormalization", "LeakyReLU"] * (len(widths) - 1)
                        + ["Flatten", "Dense"])
    assert [(l.filters, l.strides, l.kernel_size) for l in of(d, "Conv2D")] == [
        (round(w / 16), (2, 2), (5, 5)) for w in widths]
    assert [l.negative_slope for l in of(d, "LeakyReLU")] == [pytest.approx(0.2)] * len(widths)
    last_side = size // 2 ** len(widths)  # 4x4, or 6x6 at 96x96
    assert of(d, "Flatten")[0].input.shape[1:] == (last_side, last_side, round(widths[-1] / 16))
    assert of(d, "Dense")[0].units == 1 and d(np.zeros((2, size, size, 3), np.float32)).shape == (2, 1)


@pytest.mark.parametrize("size", SIZES)
def test_no_pooling_and_no_hidden_dense_layer(size):
    gens, (d,) = nets(size)
    every = names(gens.single[0]) + names(d)
    assert not [n for n in every if "Pool" in n]
    assert every.count("Dense") == 2  # G's projection of z and D's logit


def test_the_papers_64x64_generator_at_full_width():
    gens, _ = nets(64, NetOptions())
    assert [tuple(o.shape[1:]) for o in gens.single[0].outputs] == [
        (4, 4, 1024), (8, 8, 512), (16, 16, 256), (32, 32, 128), (64, 64, 3)]


def test_weights_start_normal_with_standard_deviation_002():
    gens, (d,) = nets(64, NetOptions(width=1 / 4))
    for kernel in (of(gens.single[0], "Dense")[0].kernel, of(d, "Conv2D")[2].kernel):
        values = kernel.numpy()
        assert float(values.std()) == pytest.approx(0.02, rel=0.05) and abs(float(values.mean())) < 0.002


@pytest.mark.parametrize("norm,present", [("layer", "GroupNormalization"), ("none", None)])
def test_disc_norm_replaces_batch_norm_but_never_on_the_input_conv(norm, present):
    _, (d,) = nets(64, NetOptions(width=1 / 16, disc_norm=norm))
    layers = names(d)
    assert "BatchNormalization" not in layers and names(d)[:2] == ["Conv2D", "LeakyReLU"]
    assert layers.count(present) == (3 if present else 0)


def test_spectral_norm_wraps_every_weight_layer_the_input_conv_too():
    _, (d,) = nets(32, NetOptions(width=1 / 16, disc_norm="spectral"))
    assert names(d) == ["SpectralNormalization", "LeakyReLU"] * 3 + ["Flatten", "SpectralNormalization"]


@pytest.mark.parametrize("size", SIZES)
def test_cogan_pair_shares_the_feature_blocks_and_all_discriminator_blocks_but_the_first(size):
    blocks = ARCHITECTURES["dcgan"].blocks[size]
    gens, (d1, d2) = nets(size, n_domains=2, shared_g=blocks.generator_feature_blocks,
                          shared_d=blocks.default_shared_discriminator_blocks)
    g1, g2 = gens.single
    shared = ids(g1) & ids(g2)
    # per feature block: dense or transposed-conv kernel (no bias: batch norm follows), BN gamma and beta
    assert len(shared) == 3 * blocks.generator_feature_blocks
    assert len(ids(g1) - shared) == len(ids(g2) - shared) == 2  # each domain's output conv: kernel and bias
    assert of(g1, "Dense")[0].kernel is of(g2, "Dense")[0].kernel
    assert of(g1, "Conv2DTranspose")[-1].kernel is not of(g2, "Conv2DTranspose")[-1].kernel
    f1, f2 = gens.features(gens.joint(np.zeros((2, 100), np.float32)))
    assert len(f1) == blocks.generator_feature_blocks and all(a is b for a, b in zip(f1, f2))
    own = ids(d1) - ids(d2)
    assert own == {id(v) for v in d1.layers[1].trainable_variables} and len(own) == 2  # the input conv
    assert of(d1, "Dense")[0].kernel is of(d2, "Dense")[0].kernel


def test_scogan_pair_shares_nothing():
    gens, (d1, d2) = nets(96, n_domains=2)
    assert not ids(gens.single[0]) & ids(gens.single[1]) and not ids(d1) & ids(d2)


def test_other_sizes_are_refused():
    with pytest.raises(ValueError, match="32x32, 64x64, 96x96 images, not image_size=128"):
        nets(128)


def test_one_cogan_training_step_at_tiny_width(make_config):
    from Trainers.adversarial import AdversarialTrainer
    from Trainers.builders import build_setup

    cfg = make_config(model="cogan", arch="dcgan", width=1 / 8, shared_layers=3, shared_disc_layers=3)
    trainer = AdversarialTrainer(build_setup(cfg), cfg)
    before = [v.numpy().copy() for v in trainer.g_vars]
    reals = tuple(tf.random.uniform((8, 32, 32, 3), -1, 1, seed=i) for i in range(2))
    metrics = {k: float(v) for k, v in trainer.compiled_step()(reals).items()}
    assert metrics and all(np.isfinite(list(metrics.values())))
    assert all(not np.array_equal(b, v.numpy()) for b, v in zip(before, trainer.g_vars))


# ---- configuration ------------------------------------------------------------------------------------------------

@pytest.fixture
def faces(tmp_path):
    from PIL import Image

    folders = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        Image.new("RGB", (96, 96), (200, 100, 50)).save(tmp_path / name / "face.png")
        folders.append(str(tmp_path / name))
    return {"dataset": "folder", "folder": folders, "model": "cogan"}


def test_a_96x96_face_folder_gets_the_dcgan_nets_and_their_sharing(faces):
    cfg = config.resolve({**faces, "image_size": 96})
    assert (cfg.model.arch, cfg.model.disc_norm, cfg.model.shared_layers, cfg.model.shared_disc_layers) == (
        "dcgan", "batch", 4, 4)
    assert config.resolve({**faces, "image_size": 96, "loss": "wasserstein", "penalty": "gp"}).model.disc_norm == \
        "layer"


def test_arch_dcgan_takes_the_datasets_first_size_it_makes_and_unset_arch_keeps_the_thesis_nets(faces):
    cfg = config.resolve({**faces, "arch": "dcgan"})
    assert (cfg.data.image_size, cfg.model.shared_layers, cfg.model.shared_disc_layers) == (32, 3, 3)
    assert config.resolve({**faces}).model.arch == "cogan32"
    assert config.resolve({"dataset": "celeba", "model": "gan", "arch": "dcgan"}, check_files=False).data.image_size \
        == 32
    with pytest.raises(ConfigError, match="between 1 and 3, got 4"):
        config.resolve({**faces, "arch": "dcgan", "shared_layers": 4})


def test_arch_dcgan_at_a_size_it_does_not_make_names_the_sizes_and_the_net_that_does(faces):
    with pytest.raises(ConfigError, match=r"--arch dcgan makes 32x32, 64x64 or 96x96 images but --dataset folder "
                                          r"gives 128x128 images; drop --arch to get cogan128"):
        config.resolve({**faces, "arch": "dcgan", "image_size": 128})


@pytest.mark.parametrize("old,new", [("dcgan32", "cogan32"), ("dcgan128", "cogan128"), ("dcgan256", "cogan256")])
def test_an_old_arch_name_on_the_command_line_names_the_new_one(capsys, old, new):
    from Utils.commands import build_parser

    with pytest.raises(SystemExit) as exit:
        build_parser().parse_args(["train", "--arch", old])
    assert exit.value.code == 2 and f"did you mean {new}" in capsys.readouterr().err
    with pytest.raises(ConfigError, match=f"did you mean {new}"):
        config.resolve({"arch": old})
