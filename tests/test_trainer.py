"""One compiled step per model: finite metrics, weights that move, one update for shared variables."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from Trainers.adversarial import AdversarialTrainer
from Trainers.builders import build_setup


def batches(cfg, n_domains):
    rng = np.random.default_rng(0)
    shape = (cfg.optimisation.batch_size * cfg.objective.n_critic, 32, 32, 3)
    return tuple(tf.constant(rng.uniform(-1, 1, shape).astype(np.float32)) for _ in range(n_domains))


def snapshot(variables):
    return [v.numpy().copy() for v in variables]


def run_one_step(cfg):
    trainer = AdversarialTrainer(build_setup(cfg), cfg)
    g_before, d_before = snapshot(trainer.g_vars), snapshot(trainer.d_vars)
    metrics = trainer.compiled_step()(batches(cfg, trainer.setup.n_domains))
    return trainer, {k: float(v) for k, v in metrics.items()}, g_before, d_before


def moved(before, variables):
    return [not np.array_equal(b, v.numpy()) for b, v in zip(before, variables)]


@pytest.mark.parametrize("model,extra", [
    ("gan", {"dataset": "digits"}),
    ("cogan", {}),
    ("scogan", {"fr_weight": 10.0, "wr_weight": 1.0}),
    ("scogan", {"loss": "wasserstein", "penalty": "gp", "n_critic": 2}),
    ("cogan", {"loss": "wasserstein", "penalty": "clip", "optimizer": "rmsprop", "lr": 5e-5}),
    ("gan", {"dataset": "digits", "loss": "hinge", "weight_decay": 1e-3}),
])
def test_one_step_trains_every_net(make_config, model, extra):
    cfg = make_config(model=model, **extra)
    trainer, metrics, g_before, d_before = run_one_step(cfg)
    assert all(np.isfinite(list(metrics.values())))
    assert all(moved(g_before, trainer.g_vars)), "every generator variable gets a gradient"
    still = [v.path for v, m in zip(trainer.d_vars, moved(d_before, trainer.d_vars)) if not m]
    if cfg.objective.loss in ("wasserstein", "hinge"):
        # a constant added to every logit cancels in E[D(fake)] - E[D(real)], and in the hinge loss while
        # every margin is active (logits near 0 at initialisation)
        logit_biases = {d.layers[-1].bias.path for d in trainer.setup.discriminators}
        assert set(still) == logit_biases
    else:
        assert not still
    assert int(trainer.step.numpy()) == 1
    expected = {"d1_loss", "g1_loss", "d_total", "g_total"}
    if model != "gan":
        expected |= {"d2_loss", "g2_loss", "weight_diff"}
    if extra.get("penalty") == "gp":
        expected |= {"d1_gp", "d2_gp", "wasserstein1", "wasserstein2"}
    if extra.get("fr_weight"):
        expected |= {"feature_reg", "feature_reg_weighted", "weight_reg", "weight_reg_weighted"}
    if extra.get("weight_decay"):
        expected |= {"g_weight_decay", "d_weight_decay"}
    assert expected <= set(metrics)


def test_clipping_bounds_all_discriminator_variables(make_config):
    cfg = make_config(model="cogan", loss="wasserstein", penalty="clip", clip_value=0.01, optimizer="rmsprop", lr=0.1)
    trainer, *_ = run_one_step(cfg)
    assert max(float(tf.reduce_max(tf.abs(v))) for v in trainer.d_vars) <= 0.01 + 1e-7


def test_shared_cogan_variables_get_one_adam_update(make_config):
    """Adam's first update moves each weight by at most lr; two updates (one per domain) would move it ~2 lr."""
    cfg = make_config(model="cogan", lr=1e-3)
    trainer = AdversarialTrainer(build_setup(cfg), cfg)
    g1, g2 = trainer.setup.generators.single
    shared = [v for v in g1.trainable_variables if any(v is w for w in g2.trainable_variables)]
    before = snapshot(shared)
    trainer.compiled_step()(batches(cfg, 2))
    steps = [np.abs(v.numpy() - b).max() for v, b in zip(shared, before)]
    assert max(steps) <= 1e-3 * 1.001 and max(steps) > 0.5e-3
    assert sum(any(v is w for w in trainer.g_vars) for v in shared) == len(shared)


def test_feature_regulariser_is_zero_for_identical_generators(make_config):
    cfg = make_config(model="scogan", fr_weight=10.0, fr_layers=4)
    trainer = AdversarialTrainer(build_setup(cfg), cfg)
    g1, g2 = trainer.setup.generators.single
    for a, b in zip(g2.variables, g1.variables):
        a.assign(b)
    context = trainer.step_context(trainer.sample_z(4), reals=[], training=False)
    assert float(trainer.setup.couplings[0].term(context)) == 0.0


@pytest.mark.parametrize("with_image", [False, True])
def test_feature_regulariser_averages_the_first_k_maps_and_optionally_the_images(make_config, with_image):
    cfg = make_config(model="scogan", fr_weight=10.0, fr_layers=2, fr_image=with_image)
    trainer = AdversarialTrainer(build_setup(cfg), cfg)
    context = trainer.step_context(trainer.sample_z(4), reals=[], training=False)
    (f1, f2), (x1, x2) = context.features, context.fakes
    msd = [float(tf.reduce_mean(tf.square(a - b))) for a, b in zip(f1[:2], f2[:2])]
    if with_image:
        msd.append(float(tf.reduce_mean(tf.square(x1 - x2))))
    assert float(trainer.setup.couplings[0].term(context)) == pytest.approx(np.mean(msd), rel=1e-5)


def test_feature_regulariser_gradient_pulls_generators_together(make_config):
    cfg = make_config(model="scogan", fr_weight=1e4, lr=1e-3)
    trainer = AdversarialTrainer(build_setup(cfg), cfg)
    step = trainer.compiled_step()
    first = float(step(batches(cfg, 2))["feature_reg"])
    for _ in range(5):
        last = float(step(batches(cfg, 2))["feature_reg"])
    assert last < first


def test_weight_decay_enters_the_loss(make_config):
    """Each total is its losses plus the coefficient times the L2 term of its own nets, within one step (two runs
    with and without decay differ by more: the decayed discriminator update changes the generator's loss)."""
    metrics = run_one_step(make_config(model="gan", dataset="digits", weight_decay=0.5))[1]
    assert metrics["g_weight_decay"] > 0 and metrics["d_weight_decay"] > 0
    assert metrics["g_total"] == pytest.approx(metrics["g1_loss"] + 0.5 * metrics["g_weight_decay"], rel=1e-6)
    assert metrics["d_total"] == pytest.approx(metrics["d1_loss"] + 0.5 * metrics["d_weight_decay"], rel=1e-6)


def test_steps_per_call_matches_single_steps(make_config):
    """Four steps in one compiled call (a tf.while_loop reading the iterator) = four calls of one step."""
    cfg = make_config(model="gan", dataset="digits", loss="wasserstein", penalty="gp", n_critic=2)
    rng = np.random.default_rng(3)
    data = (rng.uniform(-1, 1, (4, cfg.optimisation.batch_size * cfg.objective.n_critic, 32, 32, 3)).astype(np.float32),)

    def train(steps_per_call):
        tf.keras.utils.set_random_seed(0)
        trainer = AdversarialTrainer(build_setup(cfg), cfg)
        trainer.initial = snapshot(trainer.g_vars)
        iterator = iter(tf.data.Dataset.from_tensor_slices(data))
        run = trainer.compiled_steps(steps_per_call)
        calls = [run(iterator, tf.constant(steps_per_call)) for _ in range(4 // steps_per_call)]
        metrics = {k: np.concatenate([c[k].numpy() for c in calls]) for k in calls[0]}
        return trainer, metrics

    single, single_metrics = train(1)
    looped, looped_metrics = train(4)
    assert int(looped.step.numpy()) == 4 and looped_metrics["g_total"].shape == (4,)
    for name, values in single_metrics.items():
        np.testing.assert_allclose(looped_metrics[name], values, rtol=1e-5, atol=1e-6, err_msg=name)
    for a, b in zip(single.g_vars + single.d_vars, looped.g_vars + looped.d_vars):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6, err_msg=a.path)
    assert all(moved(looped.initial, looped.g_vars))


@pytest.mark.parametrize("policy,compute", [("mixed_bfloat16", "bfloat16"), ("mixed_float16", "float16")])
def test_mixed_precision_computes_in_half_and_keeps_losses_float32(make_config, policy, compute):
    """bfloat16 is --mixed-precision on CPUs; float16 (with loss scaling) the GPU one, run here on the CPU."""
    from Trainers.precision import dtype_policy

    cfg = make_config(model="cogan", loss="wasserstein", penalty="gp", n_critic=2)
    with dtype_policy(policy):
        trainer = AdversarialTrainer(build_setup(cfg), cfg)
        g_before = snapshot(trainer.g_vars)
        metrics = trainer.compiled_step()(batches(cfg, 2))
    convs = [layer for layer in trainer.setup.generators.joint.layers if "conv2d_transpose" in layer.name]
    assert convs and all(layer.compute_dtype == compute for layer in convs[:-1])
    assert all(v.dtype == "float32" for v in trainer.g_vars + trainer.d_vars)
    outputs = trainer.setup.generators.joint(trainer.sample_z(2), training=False)
    assert [o.dtype for o in trainer.setup.generators.images(outputs)] == [tf.float32, tf.float32]
    assert all(v.dtype == tf.float32 and np.isfinite(float(v)) for v in metrics.values())
    scaled = isinstance(trainer.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert scaled == (compute == "float16")  # bfloat16 has float32's range and needs no loss scaling
    assert any(moved(g_before, trainer.g_vars))
