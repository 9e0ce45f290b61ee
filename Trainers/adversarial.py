"""The one adversarial training step behind GAN, CoGAN and SCoGAN.

Every domain's discriminator loss is summed into one objective for one discriminator
optimizer, and every domain's generator loss plus the weighted couplings into one
objective for one generator optimizer. Variables are deduplicated, so a CoGAN layer
shared by both nets receives the sum of both domains' gradients as one update per step;
for unshared SCoGAN nets the sum separates exactly into each generator's own loss
(a coupling term added once to the sum equals adding it to both generator losses).
Adam and RMSProp act element-wise, so one optimizer over the union equals one per net.
A coupling's auxiliary net (the cycle encoder) is updated in the same step by its own
optimizer on the coupling's unweighted term.
"""
import keras
import tensorflow as tf

from Losses.adversarial import LOSSES
from Penalties.clipping import clip_weights
from Penalties.gradient_penalty import wasserstein_gradient_penalty
from Penalties.regularisers import mean_abs_weight_difference, weight_decay


def unique_variables(models):
    seen, out = set(), []
    for model in models:
        for v in model.trainable_variables:
            if id(v) not in seen:
                seen.add(id(v))
                out.append(v)
    return out


def make_optimizer(cfg):
    if cfg.optimizer == "rmsprop":
        return keras.optimizers.RMSprop(cfg.lr)
    return keras.optimizers.Adam(cfg.lr, beta_1=cfg.beta1, beta_2=cfg.beta2)


class AdversarialTrainer(tf.Module):
    """Holds nets, optimizers and the noise RNG; `train_step(batches)` runs n_critic D updates then one G update."""

    def __init__(self, setup, cfg):
        super().__init__(name="trainer")
        self.setup = setup
        self.cfg = cfg
        self.generator_loss, self.discriminator_loss = LOSSES[cfg.loss]
        self.g_vars = unique_variables([setup.generators.joint])
        self.d_vars = unique_variables(setup.discriminators)
        self.g_optimizer = make_optimizer(cfg)
        self.d_optimizer = make_optimizer(cfg)
        self.noise = tf.random.Generator.from_seed(cfg.seed)
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step")
        self.aux_optimizers = {name: make_optimizer(cfg) for name in setup.auxiliaries}
        single = setup.generators.single
        self.paired_generator_variables = (single[0].trainable_variables, single[1].trainable_variables) if len(single) == 2 else None

    def sample_z(self, n):
        shape = [n, self.cfg.latent_dim]
        if self.cfg.noise == "normal":
            return self.noise.normal(shape)
        return self.noise.uniform(shape, -1.0, 1.0)

    def discriminator_step(self, reals):
        cfg, metrics = self.cfg, {}
        z = self.sample_z(tf.shape(reals[0])[0])
        fakes = self.setup.generators.images(self.setup.generators.joint(z, training=True))
        with tf.GradientTape() as tape:
            total = 0.0
            for i, (disc, real, fake) in enumerate(zip(self.setup.discriminators, reals, fakes), start=1):
                real_logits, fake_logits = disc(real, training=True), disc(fake, training=True)
                loss = self.discriminator_loss(real_logits, fake_logits)
                metrics[f"d{i}_loss"] = loss
                if cfg.loss == "wasserstein":
                    metrics[f"wasserstein{i}"] = tf.reduce_mean(tf.cast(real_logits, tf.float32)) - tf.reduce_mean(
                        tf.cast(fake_logits, tf.float32))
                if cfg.penalty == "gp":
                    gp = wasserstein_gradient_penalty(disc, real, fake)
                    metrics[f"d{i}_gp"] = gp
                    loss += cfg.gp_weight * gp
                total += loss
            if cfg.weight_decay:
                metrics["d_weight_decay"] = weight_decay(self.d_vars)
                total += cfg.weight_decay * metrics["d_weight_decay"]
        self.d_optimizer.apply_gradients(zip(tape.gradient(total, self.d_vars), self.d_vars))
        if cfg.penalty == "clip":
            clip_weights(self.d_vars, cfg.clip_value)
        metrics["d_total"] = total
        return metrics

    def generator_step(self, reals):
        cfg, metrics = self.cfg, {}
        z = self.sample_z(tf.shape(reals[0])[0])
        auxiliary_objectives = []
        with tf.GradientTape(persistent=bool(self.aux_optimizers)) as tape:
            outputs = self.setup.generators.joint(z, training=True)
            fakes = self.setup.generators.images(outputs)
            total = 0.0
            for i, (disc, fake) in enumerate(zip(self.setup.discriminators, fakes), start=1):
                loss = self.generator_loss(disc(fake, training=True))
                metrics[f"g{i}_loss"] = loss
                total += loss
            context = {"z": z, "outputs": outputs, "reals": reals, "fakes": fakes}
            for coupling in self.setup.couplings:
                value = coupling.term(self, context)
                metrics[coupling.name] = value
                metrics[f"{coupling.name}_weighted"] = coupling.weight * value
                total += coupling.weight * value
                if coupling.auxiliary is not None:
                    auxiliary_objectives.append((coupling.auxiliary, value))
            if cfg.weight_decay:
                metrics["g_weight_decay"] = weight_decay(self.g_vars)
                total += cfg.weight_decay * metrics["g_weight_decay"]
        # Every gradient is taken before any update, so all of them see this step's weights.
        updates = [(self.g_optimizer, tape.gradient(total, self.g_vars), self.g_vars)]
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

    def train_step(self, batches):
        """n_critic discriminator updates, each on its own slice of fresh real images, then one generator update.

        `batches` holds one [n_critic * batch_size, H, W, C] tensor per domain, so the
        step is a pure function of tensors (and can be XLA-compiled).
        """
        b = self.cfg.batch_size
        for k in range(self.cfg.n_critic):
            reals = [x[k * b : (k + 1) * b] for x in batches]
            metrics = self.discriminator_step(reals)
        metrics.update(self.generator_step(reals))
        self.step.assign_add(1)
        return metrics

    def compiled_step(self):
        return tf.function(self.train_step, jit_compile=self.cfg.jit_compile)
