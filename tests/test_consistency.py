"""CT-GAN's consistency term (--penalty gp+ct): the term against hand-computed values, the critic's dropout and
second-to-last features, the configuration's refusals, and one training step with it."""
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from conftest import REPO
from Nets.options import NetOptions
from Nets.pairs import build_discriminators, with_features
from Penalties.consistency import consistency, consistency_term
from Trainers import config
from Utils.errors import ConfigError

# Two passes over two samples: (features [2, 2], logits [2, 1]).
FIRST = (tf.constant([[0.0, 0.0], [1.0, 1.0]]), tf.constant([[1.0], [0.0]]))
SECOND = (tf.constant([[2.0, 0.0], [1.0, 3.0]]), tf.constant([[0.5], [2.0]]))
# Per sample: (logit difference)^2 + 0.1 * mean squared feature difference.
#   row 1: 0.5^2 + 0.1 * (2^2 + 0^2) / 2 = 0.25 + 0.2 = 0.45;  row 2: 2^2 + 0.1 * (0^2 + 2^2) / 2 = 4.2
DISTANCES = np.array([0.45, 4.2])


def test_consistency_against_hand_computed_values():
    assert float(consistency(FIRST, SECOND)) == pytest.approx(DISTANCES.mean(), rel=1e-6)


def test_margin_clips_each_sample_below_it_to_zero():
    """M' = 1: row 1 (0.45 - 1 < 0) counts 0, row 2 counts 3.2; the paper's M' = 0 never clips a distance."""
    assert float(consistency(FIRST, SECOND, margin=1.0)) == pytest.approx((0.0 + 3.2) / 2, rel=1e-6)
    assert float(consistency(FIRST, SECOND, margin=5.0)) == 0.0


def test_feature_distance_averages_over_all_feature_axes():
    """[N, H, W, C] features: the mean square runs over H, W and C of each sample, in float32 from bfloat16."""
    features = tf.ones([2, 2, 2, 3], tf.bfloat16)
    logits = tf.zeros([2, 1], tf.bfloat16)
    value = consistency((features, logits), (3.0 * features, logits), feature_weight=0.5)
    assert value.dtype == tf.float32 and float(value) == pytest.approx(0.5 * 4.0)


def test_the_term_runs_two_training_passes_over_the_real_images():
    calls = []
    passes = iter([FIRST, SECOND])

    def critic(x, training):
        calls.append((x, training))
        return next(passes)

    real = tf.zeros([2, 4, 4, 3])
    assert float(consistency_term(critic, real)) == pytest.approx(DISTANCES.mean(), rel=1e-6)
    assert [training for _, training in calls] == [True, True] and all(x is real for x, _ in calls)


def dropout_rates(net):
    return [layer.rate for layer in net.layers if isinstance(layer, keras.layers.Dropout)]


@pytest.mark.parametrize("arch,size,rate,expected", [
    ("cogan32", 32, None, [0.5]),  # the thesis's table: dropout 0.5 after the dense 500 only
    ("cogan32", 32, 0.2, [0.2, 0.2, 0.2]),  # every hidden block
    ("cogan32", 32, 0.0, []),
    ("dcgan", 32, None, []),  # Radford et al.: no dropout
    ("dcgan", 32, 0.3, [0.3, 0.3, 0.3]),  # after each of its three convs
    ("mlp", None, 0.5, [0.5, 0.5, 0.5]),
])
def test_disc_dropout_sets_every_hidden_blocks_rate(arch, size, rate, expected):
    (disc,) = build_discriminators(arch, NetOptions(width=1 / 16, disc_dropout=rate, channels=1), size, 1)
    assert dropout_rates(disc) == expected


def test_with_features_returns_what_the_logit_layer_reads_on_the_same_variables():
    d1, d2 = build_discriminators("cogan32", NetOptions(width=1 / 16, disc_dropout=0.5), 32, 2, shared_blocks=2)
    x = tf.random.uniform([3, 32, 32, 3], -1.0, 1.0)
    for disc in (d1, d2):
        critic = with_features(disc)
        features, logits = critic(x, training=False)
        assert features.shape == (3, NetOptions(width=1 / 16).filters(500))  # the dense 500's PReLU and dropout
        np.testing.assert_allclose(logits.numpy(), disc(x, training=False).numpy(), rtol=1e-6)
        np.testing.assert_allclose(logits.numpy(), disc.layers[-1](features).numpy(), rtol=1e-6)
        assert {id(v) for v in critic.trainable_variables} == {id(v) for v in disc.trainable_variables}
        # in training mode dropout makes two passes differ: the term the critic is penalised with
        assert float(consistency_term(critic, x)) > 0.0


@pytest.mark.parametrize("given,message", [
    ({"penalty": "gp+ct", "arch": "dcgan", "model": "gan", "dataset": "mnist"},
     "the --arch dcgan discriminator has no dropout; add --disc-dropout RATE"),
    ({"penalty": "gp+ct", "disc_dropout": 0.0}, r"has dropout 0 \(--disc-dropout 0\); add --disc-dropout RATE"),
    ({"ct_weight": 1.0}, "--ct-weight weighs the consistency term of --penalty gp\\+ct"),
    ({"disc_dropout": 1.0}, "--disc-dropout must be below 1"),
    ({"disc_dropout": -0.1}, "--disc-dropout must be at least 0"),
    ({"penalty": "gp+ct", "arch": "dcgan", "model": "gan", "dataset": "mnist", "disc_dropout": 0.5,
      "disc_norm": "batch"}, "--disc-norm batch with --penalty gp\\+ct"),
])
def test_resolve_refuses(given, message):
    with pytest.raises(ConfigError, match=message):
        config.resolve(given, check_files=False)


def test_gp_ct_follows_the_gradient_penalty_rules_and_the_papers_weights():
    cfg = config.resolve({"penalty": "gp+ct", "arch": "dcgan", "model": "gan", "dataset": "mnist",
                          "disc_dropout": 0.5}, check_files=False)
    assert cfg.model.disc_norm == "layer"  # batch norm gives way as under --penalty gp
    assert (cfg.objective.gp_weight, cfg.objective.ct_weight) == (10.0, 2.0)
    assert config.resolve({"penalty": "gp+ct"}, check_files=False).model.disc_dropout is None  # cogan32's own 0.5


def test_cli_refuses_gp_ct_without_dropout_with_exit_2():
    proc = subprocess.run([sys.executable, str(REPO / "main.py"), "train", "--model", "gan", "--dataset", "digits",
                           "--loss", "wasserstein", "--penalty", "gp+ct", "--disc-dropout", "0"],
                          capture_output=True, text=True, timeout=60, cwd=REPO)
    assert proc.returncode == 2, proc.stderr
    assert "--penalty gp+ct compares two dropout passes" in proc.stderr and "--disc-dropout RATE" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("model,extra", [("gan", {"dataset": "digits"}), ("cogan", {}), ("scogan", {})])
def test_one_step_with_gp_ct_logs_the_term_and_adds_it_to_the_critics_objective(make_config, model, extra):
    from Trainers.adversarial import AdversarialTrainer
    from Trainers.builders import build_setup

    cfg = make_config(model=model, loss="wasserstein", penalty="gp+ct", ct_weight=2.0, **extra)
    trainer = AdversarialTrainer(build_setup(cfg), cfg)
    shape = (cfg.optimisation.batch_size, 32, 32, 3)
    rng = np.random.default_rng(0)
    batches = tuple(tf.constant(rng.uniform(-1, 1, shape).astype(np.float32)) for _ in trainer.setup.discriminators)
    metrics = {k: float(v) for k, v in trainer.compiled_step()(batches).items()}
    domains = range(1, trainer.setup.n_domains + 1)
    assert all(np.isfinite(list(metrics.values())))
    assert all(metrics[f"d{i}_ct"] > 0 for i in domains)  # cogan32's dropout 0.5 makes the two passes differ
    expected = sum(metrics[f"d{i}_loss"] + 10.0 * metrics[f"d{i}_gp"] + 2.0 * metrics[f"d{i}_ct"] for i in domains)
    assert metrics["d_total"] == pytest.approx(expected, rel=1e-5)
