"""The one training loop's entry point: a run directory, the model's setup, a loop over compiled calls and hooks.

GAN, CoGAN and SCoGAN differ only in the TrainingSetup they build; everything here is shared. `train` builds data
and nets first, then makes --out a run directory (Trainers/run_directory.py), restores a resumed run, and runs
Trainers/calls.py:run_calls with the hooks that write what a run leaves behind (Trainers/hooks.py): metrics.csv
and TensorBoard, the progress bar, sample grids, checkpoints, losses.png, with --eval-every the quality measures and
quality.png and, at the end, the exported generators.
Under a multi-worker strategy only the chief writes outputs; every worker saves its own checkpoints.
"""
from Trainers.calls import StopRequest, run_calls
from Trainers.config import TRANSLATORS, Machine, check_machine
from Trainers.run_directory import RunDirectory

def train(cfg, resume=False, replace=False, hooks=()):
    """Run (or with `resume`, continue) training as configured; returns the run directory. `replace` (--overwrite)
    removes a run already in cfg.output.out, but only once the new run has started up, so a start-up error leaves
    the old one intact. `hooks` (Trainers/hooks.Hook) are called after the run's own at every boundary."""
    import tensorflow as tf

    from Trainers.distribute import chief_task, make_strategy
    from Trainers.precision import dtype_policy, policy_name

    gpus = tf.config.list_physical_devices("GPU")
    policy = policy_name(cfg.engine.mixed_precision, gpus)
    if cfg.engine.deterministic:
        tf.config.experimental.enable_op_determinism()
    strategy = make_strategy(cfg.engine.strategy)  # first: a multi-worker strategy must exist before other TF work
    check_machine(cfg, Machine(gpus=len(gpus), replicas=strategy.num_replicas_in_sync))
    with dtype_policy(policy):
        chief = chief_task() if cfg.engine.strategy == "multiworker" else True
        return _train(cfg, strategy, chief, resume, replace, list(hooks))


def _build(cfg, strategy):
    """Data sources, nets and trainer; raises before the run directory is touched."""
    import tensorflow as tf

    from Data.domains import load_domains
    from Trainers.adversarial import AdversarialTrainer
    from Trainers.builders import build_setup
    from Trainers.distribute import synchronise_batch_norm

    replicas = strategy.num_replicas_in_sync
    tf.keras.utils.set_random_seed(cfg.optimisation.seed)
    data = cfg.data
    sources = load_domains(data.dataset, data.data_dir, data.folder, data.image_size, cfg.optimisation.seed,
                           attribute=data.attribute, svhn_classifier=data.svhn_classifier, paired=data.paired)
    with strategy.scope():
        setup = build_setup(cfg)
    if replicas > 1:
        synchronise_batch_norm([setup.generators.joint, *setup.discriminators, *setup.auxiliaries.values()])
    return sources, setup, AdversarialTrainer(setup, cfg, strategy)


def _sample_writer(cfg, sources, setup):
    """Image grids (named by their resolution under --progressive), translation grids, or for 2D points (the toy
    ring) scatter plots of generated over real points."""
    from Trainers.hooks import write_samples, write_translations
    from Trainers.progressive import resolution_samples

    if cfg.model.kind in TRANSLATORS:
        return write_translations
    if cfg.model.progressive:
        return resolution_samples(write_samples, setup.generators.growth)
    if cfg.data.image_size is not None:
        return write_samples
    from Data.ring import RingSamples

    return RingSamples(sources[0].points)


def _sample_inputs(cfg, run_dir, sources):
    """What every sample grid shows: the fixed latent vectors, or a translator's first --sample-count real images
    of each domain (the same at every grid and after a resume)."""
    if cfg.model.kind not in TRANSLATORS:
        return run_dir.fixed_z(cfg)
    import numpy as np

    n = min(cfg.output.sample_count, *(source.size for source in sources))
    return [np.stack([source.element(i) for i in range(n)]) for source in sources]


def _run_hooks(cfg, run_dir, setup, sources, manager, start, resume):
    """The hooks of a run, in the order they act: the NaN guard first, so a bad step reaches no other hook;
    checkpoints before samples and plots, so an interruption saves the weights first. A non-chief worker only
    checks and saves its checkpoints."""
    from Trainers import hooks
    from Utils.run_log import RunLog

    o = cfg.output
    guard, checkpoints = hooks.NonFiniteGuard(run_dir, manager), hooks.Checkpoints(manager, o.checkpoint_every)
    if not run_dir.chief:
        return [guard, checkpoints]
    log = RunLog(run_dir.path, resume_step=start if resume else None)
    return [guard,
            *_quality(cfg, run_dir, setup, sources),  # before MetricsLog, which writes the measures it adds
            hooks.MetricsLog(log, o.log_every, cfg.optimisation.iterations),
            hooks.ProgressBar(cfg.optimisation.iterations, start, o.log_every, disable=o.quiet),
            checkpoints,
            hooks.SampleGrids(_sample_writer(cfg, sources, setup), setup.generators,
                              _sample_inputs(cfg, run_dir, sources), run_dir, log, o.sample_every),
            hooks.LossPlot(run_dir),
            hooks.Export(setup.generators, run_dir, cfg, setup.auxiliaries)]


def _quality(cfg, run_dir, setup, sources):
    """[the Quality hook] with --eval-every, else []; its classifier or LPIPS loads now, before training."""
    from Trainers.hooks import Quality
    from Trainers.quality import QualityMeasures

    if cfg.output.eval_every is None:
        return []
    measures = QualityMeasures(cfg, setup.generators, sources)
    return [Quality(measures.measure, cfg.output.eval_every, cfg.engine.steps_per_call, cfg.optimisation.iterations,
                    run_dir)]


def _without_autotune_thread(dataset):
    """The dataset without tf.data's autotuning thread, which sleeps for up to a minute between its passes and
    which deleting the iterator waits for: measured, 20-80 s of a Ctrl-C's exit once a run has gone on a while.
    Parallel maps then run one call per core, and prefetch buffers still adapt on their own."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)


def _streams(cfg, sources, start):
    """Each domain's seeded stream from step `start` on; paired domains share one seed, so one order of indices."""
    from Data.pipeline import batched_stream

    o, n_critic = cfg.optimisation, cfg.objective.n_critic
    return [_without_autotune_thread(batched_stream(source, o.batch_size * n_critic,
                                                    o.seed if cfg.data.paired else o.seed + i, start_batch=start))
            for i, source in enumerate(sources)]


def _batches(cfg, strategy, sources, start):
    """An iterator over every step's real images from step `start` on: what an uninterrupted run reads there."""
    from Trainers.distribute import distribute_batches

    o = cfg.optimisation
    return iter(distribute_batches(strategy, _streams(cfg, sources, start), o.batch_size, cfg.objective.n_critic))


def _resume(trainer, run_dir):
    """Restore the run's newest readable checkpoint; the step it holds (0 when there is none)."""
    from Trainers.checkpoints import restore_latest

    path = restore_latest(trainer, run_dir.resume_from)
    if path is None:
        return 0
    start = int(trainer.step.numpy())
    print(f"Resuming {run_dir.path} from step {start} ({path})")
    return start


def _train(cfg, strategy, chief, resume, replace, extra_hooks):
    from Trainers import progressive
    from Trainers.checkpoints import checkpoint_manager
    from Trainers.distribute import tf_config_task

    run_dir = RunDirectory(cfg.output.out, chief, None if chief else tf_config_task()[1])
    sources, setup, trainer = _build(cfg, strategy)
    run_dir.create(cfg, replace)  # only now, with data and nets built, does --out become a run directory
    # Workers must run the same steps, so a multi-worker run stops between calls, never inside one.
    stop = StopRequest(in_graph=cfg.engine.strategy != "multiworker")
    try:
        start = _resume(trainer, run_dir) if resume else 0
        iterator = _batches(cfg, strategy, sources, start)
        manager = checkpoint_manager(trainer, str(run_dir.checkpoints), cfg.output.keep_checkpoints if chief else 1)
        hooks = _run_hooks(cfg, run_dir, setup, sources, manager, start, resume) + extra_hooks
        run_steps = progressive.run_steps(trainer, cfg.engine.steps_per_call, stop=stop.variable)
        with stop:
            step, interrupted = run_calls(run_steps, iterator, start=start, iterations=cfg.optimisation.iterations,
                                          steps_per_call=cfg.engine.steps_per_call, hooks=hooks, stop=stop,
                                          strategy=strategy)
    except BaseException:
        if not stop.started:
            run_dir.discard()  # a start-up failure (or a Ctrl-C before the first call returned) leaves no run
        raise
    if interrupted:
        print(f"\nInterrupted at step {step}; checkpoint saved in {run_dir.checkpoints}.\n"
              f"Resume with: python main.py train --out {run_dir.path} --resume")
    return run_dir.path
