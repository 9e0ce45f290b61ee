"""The one adversarial training step behind GAN, CoGAN, SCoGAN and CycleGAN.

Every domain's discriminator loss is summed into one objective for one discriminator
optimizer, and every domain's generator loss plus the weighted couplings into one
objective for one generator optimizer. Variables are deduplicated, so a CoGAN layer
shared by both nets receives the sum of both domains' gradients as one update per step;
for unshared SCoGAN nets the sum separates exactly into each generator's own loss
(a coupling term added once to the sum equals adding it to both generator losses).
Adam and RMSProp act element-wise, so one optimizer over the union equals one per net.
A coupling's auxiliary net (the cycle encoder) is updated in the same step by its own
optimizer on the coupling's unweighted term.

Translators (CycleGAN) use the same step: their generator set reads the real batches instead of z
(`generators.inputs`), their cycle, identity and L1 terms are couplings, with a history buffer each
discriminator judges the fakes `Trainers/history.py` returns in place of the current ones, and a conditional
discriminator (Pix2Pix) judges what the setup's `judged` makes of the real and generated images.

Randomness and devices: `train_step` runs in cross-replica context and draws every random number of a step
(z, the gradient penalty's alpha) for the global batch from one tf.random.Generator that the checkpoint saves;
each replica takes its own rows. A step thus draws the same numbers on one device or many, and after a resume.
Each replica divides its objective by the number of replicas, because the optimizers sum gradients over
replicas: the update is that of the mean over the global batch. Per-example terms (losses, gradient penalty,
couplings) are means over the replica's rows; weight terms are the same on every replica.
"""
import keras
import tensorflow as tf

from Losses.adversarial import LOSSES
from Nets.pairs import with_features
from Penalties.catalog import GRADIENT_PENALTIES
from Penalties.clipping import clip_weights
from Penalties.consistency import consistency_term
from Penalties.drift import drift_term
from Penalties.gradient_penalty import wasserstein_gradient_penalty
from Penalties.regularisers import mean_abs_weight_difference, weight_decay
from Trainers.history import ImageHistory
from Trainers.schedules import learning_rate
from Trainers.setup import StepContext


def unique_variables(models):
    seen, out = set(), []
    for model in models:
        for v in model.trainable_variables:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
    return out


def make_optimizer(cfg, loss_scaling=False, updates_per_step=1):
    """The configured optimizer; under --lr-schedule its rate follows the run's updates (iterations x
    `updates_per_step`, n_critic for the discriminators)."""
    o = cfg.optimisation
    lr = learning_rate(o.lr_schedule, o.lr, o.iterations * updates_per_step)
    if o.optimizer == "rmsprop":
        optimizer = keras.optimizers.RMSprop(lr)
    else:
        optimizer = keras.optimizers.Adam(lr, beta_1=o.beta1, beta_2=o.beta2)
    return keras.optimizers.LossScaleOptimizer(optimizer) if loss_scaling else optimizer


def _replica():
    """(replica index, number of replicas) of the calling replica; (0, 1) without a distribution strategy."""
    ctx = tf.distribute.get_replica_context()
    return ctx.replica_id_in_sync_group, ctx.num_replicas_in_sync


def _share(optimizer, objective):
    """This replica's share of `objective`, loss-scaled under float16 (the optimizer unscales the gradients).
    Call it inside the tape, so the tape records the scaling."""
    replicas = _replica()[1]
    return optimizer.scale_loss(objective / replicas if replicas > 1 else objective)


class AdversarialTrainer(tf.Module):
    """Holds nets, optimizers and the noise RNG; `train_step(batches)` runs n_critic D updates then one G update.

    Build the nets under `strategy.scope()` and the trainer outside it: the optimizers enter the scope here,
    while the noise generator and the step counter stay ordinary variables, used in cross-replica context.
    """

    def __init__(self, setup, cfg, strategy=None):
        super().__init__(name="trainer")
        self.setup = setup
        self.cfg = cfg
        self.strategy = strategy or tf.distribute.get_strategy()
        self.generator_loss, self.discriminator_loss = setup.adversarial_losses or LOSSES[cfg.objective.loss]
        self.g_vars = unique_variables([setup.generators.joint])
        self.d_vars = unique_variables(setup.discriminators)
        # CT-GAN's consistency term reads the critics' second-to-last features too: the same layers, two outputs.
        self.critics = ([with_features(d) for d in setup.discriminators] if cfg.objective.penalty == "gp+ct"
                        else None)
        scaling = keras.mixed_precision.global_policy().name == "mixed_float16"
        with self.strategy.scope():
            self.g_optimizer = make_optimizer(cfg, scaling)
            self.d_optimizer = make_optimizer(cfg, scaling, updates_per_step=cfg.objective.n_critic)
            self.aux_optimizers = {name: make_optimizer(cfg, scaling) for name in setup.auxiliaries}
            # Built now, so a restored checkpoint fills their moments at once instead of on first use.
            self.g_optimizer.build(self.g_vars)
            self.d_optimizer.build(self.d_vars)
            for name, net in setup.auxiliaries.items():
                self.aux_optimizers[name].build(net.trainable_variables)
        self.noise = tf.random.Generator.from_seed(cfg.optimisation.seed)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        # Progressive growing (Nets/progressive.py): the nets' fade-in weight is a function of this step.
        self.growth = getattr(setup.generators, "growth", None)
        if self.growth is not None:
            self.growth.bind(self.step)
        self.paired_generator_variables = setup.generators.paired_variables()
        # Outside the strategy's scope, like the noise: one buffer, updated by the one replica the rules allow.
        self.histories = [ImageHistory(setup.history_size, d.inputs[0].shape[1:], name=f"history_{i + 1}")
                          for i, d in enumerate(setup.discriminators)] if setup.history_size else []

    def sample_z(self, n):
        shape = [n, self.cfg.model.latent_dim]
        if self.cfg.model.noise == "normal":
            return self.noise.normal(shape)
        return self.noise.uniform(shape, -1.0, 1.0)

    def discriminator_step(self, reals, z, alpha=None, history_draws=None):
        """One discriminator update on this replica's `reals` and latent rows `z` (and gradient-penalty alphas,
        and the history buffers' draws)."""
        cfg, metrics = self.cfg, {}
        generators = self.setup.generators
        fakes = generators.images(generators.joint(generators.inputs(z, reals), training=True))
        reals, fakes = self.setup.judged(reals, fakes)
        if self.histories:
            fakes = [history.query(fake, history_draws[:, 2 * i : 2 * i + 2])
                     for i, (history, fake) in enumerate(zip(self.histories, fakes))]
        with tf.GradientTape() as tape:
            total = 0.0
            for i, (disc, real, fake) in enumerate(zip(self.setup.discriminators, reals, fakes), start=1):
                # Under gp+ct the loss's pass over the reals also gives the features: it is CT's first pass.
                real_pass = self.critics[i - 1](real, training=True) if self.critics else None
                real_logits = disc(real, training=True) if real_pass is None else real_pass[1]
                fake_logits = disc(fake, training=True)
                loss = self.discriminator_loss(real_logits, fake_logits)
                metrics[f"d{i}_loss"] = loss
                if cfg.objective.loss == "wasserstein":
                    metrics[f"wasserstein{i}"] = tf.reduce_mean(tf.cast(real_logits, tf.float32)) - tf.reduce_mean(
                        tf.cast(fake_logits, tf.float32))
                if cfg.objective.penalty in GRADIENT_PENALTIES:
                    gp = wasserstein_gradient_penalty(disc, real, fake, alpha=alpha)
                    metrics[f"d{i}_gp"] = gp
                    loss += cfg.objective.gp_weight * gp
                if cfg.objective.penalty == "gp+ct":
                    ct = consistency_term(self.critics[i - 1], real, first=real_pass)
                    metrics[f"d{i}_ct"] = ct
                    loss += cfg.objective.ct_weight * ct
                if cfg.objective.drift:
                    drift = drift_term(real_logits)
                    metrics[f"d{i}_drift"] = drift
                    loss += cfg.objective.drift * drift
                total += loss
            if cfg.objective.weight_decay:
                metrics["d_weight_decay"] = weight_decay(self.d_vars)
                total += cfg.objective.weight_decay * metrics["d_weight_decay"]
            share = _share(self.d_optimizer, total)
        self.d_optimizer.apply_gradients(zip(tape.gradient(share, self.d_vars), self.d_vars))
        metrics["d_total"] = total
        return metrics

    def step_context(self, z, reals, training=True):
        """Run the generators on `z`: what the couplings read in a generator update (call it inside the tape)."""
        generators = self.setup.generators
        outputs = generators.joint(generators.inputs(z, reals), training=training)
        return StepContext(z=z, features=generators.features(outputs), fakes=generators.images(outputs),
                           reals=list(reals), generator_variables=self.paired_generator_variables)

    def generator_step(self, reals, z):
        """One generator update (and auxiliary-net update) on this replica's latent rows `z`."""
        cfg, metrics = self.cfg, {}
        auxiliary_objectives = []
        with tf.GradientTape(persistent=bool(self.aux_optimizers)) as tape:
            context = self.step_context(z, reals)
            total = 0.0
            judged_fakes = self.setup.judged(context.reals, context.fakes)[1]
            for i, (disc, fake) in enumerate(zip(self.setup.discriminators, judged_fakes), start=1):
                loss = self.generator_loss(disc(fake, training=True))
                metrics[f"g{i}_loss"] = loss
                total += loss
            for coupling in self.setup.couplings:
                value = coupling.term(context)
                metrics[coupling.name] = value
                metrics[f"{coupling.name}_weighted"] = coupling.weight * value
                total += coupling.weight * value
                if coupling.auxiliary is not None:
                    net = coupling.auxiliary
                    auxiliary_objectives.append((net, _share(self.aux_optimizers[net.name], value)))
            if cfg.objective.weight_decay:
                metrics["g_weight_decay"] = weight_decay(self.g_vars)
                total += cfg.objective.weight_decay * metrics["g_weight_decay"]
            share = _share(self.g_optimizer, total)
        # Every gradient is taken before any update, so all of them see this step's weights.
        updates = [(self.g_optimizer, tape.gradient(share, self.g_vars), self.g_vars)]
        for net, objective in auxiliary_objectives:
            updates.append((self.aux_optimizers[net.name], tape.gradient(objective, net.trainable_variables),
                            net.trainable_variables))
        del tape
        for optimizer, gradients, variables in updates:
            optimizer.apply_gradients(zip(gradients, variables))
        metrics["g_total"] = total
        if self.paired_generator_variables:
            metrics["weight_diff"] = mean_abs_weight_difference(*self.paired_generator_variables)
        return metrics

    def _on_replicas(self, update, batches, k, *draws, **named_draws):
        """Run `update(reals, *draws, **named_draws)` on every replica with its own rows: slice k of its batch of
        n_critic * local-batch images per domain, and its share of the global draws. Metrics: replica mean."""
        names = list(named_draws)

        def replica_update(local_batches, *global_draws):
            index, replicas = _replica()
            b = self.cfg.optimisation.batch_size // replicas
            reals = [x[k * b : (k + 1) * b] for x in local_batches]
            if self.growth is not None:  # downscaled and blended to the level the nets are at
                reals = [self.growth.real_images(x) for x in reals]
            mine = [d[index * b : (index + 1) * b] for d in global_draws]
            positional = len(mine) - len(names)
            return update(reals, *mine[:positional], **dict(zip(names, mine[positional:])))

        metrics = self.strategy.run(replica_update, args=(tuple(batches), *draws, *named_draws.values()))
        if self.strategy.num_replicas_in_sync == 1:
            return dict(metrics)
        return {name: self.strategy.reduce(tf.distribute.ReduceOp.MEAN, value, axis=None)
                for name, value in metrics.items()}

    def train_step(self, batches):
        """n_critic discriminator updates, each on its own slice of fresh real images, then one generator update.

        `batches` holds one [n_critic * batch_size, H, W, C] tensor per domain (per replica: its share of the
        rows of each slice, as Trainers/distribute.py deals them), so the step is a pure function of tensors and
        the checkpointed RNG (and can be XLA-compiled).
        """
        cfg, n = self.cfg, self.cfg.optimisation.batch_size
        for k in range(cfg.objective.n_critic):
            draws = [self.sample_z(n)] + ([self.noise.uniform([n])] if cfg.objective.penalty in GRADIENT_PENALTIES
                                          else [])
            history = {"history_draws": self.noise.uniform([n, 2 * len(self.histories)])} if self.histories else {}
            metrics = self._on_replicas(self.discriminator_step, batches, k, *draws, **history)
            if cfg.objective.penalty == "clip":
                clip_weights(self.d_vars, cfg.objective.clip_value)
        metrics.update(self._on_replicas(self.generator_step, batches, cfg.objective.n_critic - 1, self.sample_z(n)))
        self.step.assign_add(1)
        return metrics

    def compiled_step(self):
        """train_step compiled (with XLA under --jit-compile): batches -> metrics."""
        return tf.function(self.train_step, jit_compile=self.cfg.engine.jit_compile)

    def compiled_steps(self, steps_per_call=1, stop=None):
        """(iterator, n) -> {metric: [steps] values}: up to n training steps in one tf.function call, each reading
        its batches from `iterator`. n is a tensor and may be below steps_per_call (a run's last call) without a
        retrace; steps_per_call 1 compiles a call without a loop. `stop`, a boolean variable, is read before every
        step after the first: once it is true the call returns after the steps it has run."""
        step = self.compiled_step()

        if steps_per_call == 1:
            @tf.function
            def one(iterator, n):
                return {name: value[None] for name, value in step(next(iterator)).items()}

            return one

        stopped = stop if stop is not None else tf.constant(False)

        @tf.function
        def many(iterator, n):
            first = step(next(iterator))
            rows = {name: tf.TensorArray(value.dtype, size=0, dynamic_size=True).write(0, value)
                    for name, value in first.items()}
            done = tf.constant(1)
            while done < n and not stopped:
                metrics = step(next(iterator))
                rows = {name: rows[name].write(done, metrics[name]) for name in rows}
                done += 1
            return {name: row.stack() for name, row in rows.items()}

        return many
