"""Carrying out a plan: train what is missing, resume what was interrupted, measure and draw every run, and write
OUT/<target>.md after each run, so the same command can simply be run again after a kill or a reboot."""
import json
import time
from pathlib import Path

from Trainers import config, presets
from Trainers.reproduce.plan import DERIVED_PATHS, FIGURE_PAIRS, RING_POINTS, STATE_FILE, Plan, RunJob, read_state
from Trainers.reproduce.report import collect, collect_classifiers, render
from Utils.atomic import write_text
from Utils.errors import ConfigError, MissingWeightsError


class Interrupted(KeyboardInterrupt):
    """A run stopped before its last iteration (Ctrl-C or SIGTERM reached the training loop, which saved a
    checkpoint); the CLI exits 130 and the next `reproduce` resumes it."""


def _train_classifier(job, options, log):
    from Nets.classifiers import sidecar_path
    from Trainers.classifiers import digit_classifier_data, save_classifier, train_digit_classifier

    log(f"[{job.spec.name}] training the classifier for {job.spec.purpose}, {job.epochs} epoch(s)")
    start = time.monotonic()
    splits = [digit_classifier_data(job.spec.dataset, job.spec.domains, split, options.data) for split in
              ("train", "test")]
    model, info = train_digit_classifier(*splits, job.epochs, verbose=0 if options.quiet else 2)
    info.update(dataset=job.spec.dataset, domains=job.spec.domains, seed=0, purpose=job.spec.purpose,
                seconds=round(time.monotonic() - start, 1))
    job.path.parent.mkdir(parents=True, exist_ok=True)
    save_classifier(model, job.path, info)
    log(f"[{job.spec.name}] held-out accuracy {info['held_out_accuracy']:.4f}; saved {job.path} and "
        f"{sidecar_path(job.path)}")


def _configuration(job: RunJob):
    """The configuration to train: the preset's with the plan's settings, or for a started run its own, refused
    when a setting that defines the run differs from what the preset now gives."""
    planned = presets.configure(job.run.preset, **job.settings)
    if not job.started:
        return planned
    saved = config.load(job.directory)
    current = config.to_flat(saved)  # only what the plan changes counts as given (as flags on `train --resume`)
    given = {k: v for k, v in config.to_flat(planned).items() if k not in DERIVED_PATHS and current.get(k) != v}
    try:
        return config.resolve(config.resume_settings(saved, given), base=saved)
    except ConfigError as exc:
        raise ConfigError(f"{job.directory} holds a run that {job.run.preset} would not make now ({exc}); use another "
                          f"--out, or remove that run to train it afresh") from None


def _record_time(directory, seconds):
    state = read_state(directory)
    state = {"train_seconds": state["train_seconds"] + seconds, "sessions": state["sessions"] + 1}
    write_text(Path(directory) / STATE_FILE, json.dumps(state, indent=2) + "\n")


def _train(job: RunJob, log):
    """Train or resume the run; True when this call trained it. Raises Interrupted when it stopped early."""
    from Trainers.loop import train

    state = job.state()
    cfg = _configuration(job)  # also for a finished run: its numbers must be the configuration asked for
    if state == "finished":
        log(f"[{job.label}] finished before: {job.directory}")
        return False
    log(f"[{job.label}] {'resuming (' + state + ')' if job.started else 'training'} to {job.iterations} iterations "
        f"in {job.directory}")
    start = time.monotonic()
    try:
        train(cfg, resume=job.started)
    finally:
        if job.directory.is_dir():
            _record_time(job.directory, time.monotonic() - start)
    if not job.finished:
        raise Interrupted(f"{job.label} stopped before iteration {job.iterations}")
    return True


def _measure(job: RunJob, options, log):
    from Trainers.measurement import Measurement, measure

    cfg = config.load(job.directory)
    log(f"[{job.label}] measuring {options.pairs or job.run.pairs} pairs")
    measure(Measurement(source=str(job.directory), is_run=True, dataset=cfg.data.dataset,
                        data_dir=options.data_dir or cfg.data.data_dir, out=str(job.evaluation.parent),
                        split_seed=cfg.optimisation.seed, folder=list(cfg.data.folder), attribute=cfg.data.attribute,
                        svhn_classifier=cfg.data.svhn_classifier, n=options.pairs or job.run.pairs, net=options.net,
                        lpips_weights=options.lpips_weights,
                        classifier=str(job.eval_classifier) if job.eval_classifier else None, quiet=options.quiet,
                        cross=job.run.cross))


def _draw(job: RunJob):
    """The thesis's sample figure from the final checkpoint: 8 latent vectors (seed 0), 4 per row, rows 1-2 domain 1
    and rows 3-4 the same z in domain 2 (T699); for the ring, a scatter of 3,000 points over the real ones and its
    mode count (modes.json)."""
    import numpy as np

    from Trainers.restore import restore_run
    from Utils.images import pair_grid, save_png
    from Utils.latents import draw_latents

    run = restore_run(job.directory)
    cfg, generators = run.config, run.generators
    count = RING_POINTS if job.points else FIGURE_PAIRS
    z = draw_latents(np.random.default_rng(0), cfg.model.noise, (count, cfg.model.latent_dim))
    outputs = [np.asarray(x, np.float32) for x in generators.images(generators.joint(z, training=False))]
    job.figure.parent.mkdir(parents=True, exist_ok=True)
    if not job.points:
        save_png(pair_grid(outputs, columns=FIGURE_PAIRS // 2), job.figure)
        return
    from Data.ring import count_modes, high_quality_share, ring_points, ring_summary
    from Utils.scatter import scatter_image

    fake = outputs[0]
    save_png(scatter_image(ring_points(cfg.optimisation.seed), fake, f"{job.label}: {ring_summary(fake)}"), job.figure)
    job.evaluation.parent.mkdir(parents=True, exist_ok=True)
    write_text(job.evaluation.with_name("modes.json"), json.dumps(
        {"checkpoint": run.checkpoint, "points": count, "modes": count_modes(fake),
         "on_mode_share": high_quality_share(fake)}, indent=2) + "\n")


def write_report(plan: Plan, not_run):
    path = Path(plan.options.out) / f"{plan.target.name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, render(plan.target, collect(plan, not_run), plan.options, collect_classifiers(plan)))
    return path


def execute(plan: Plan, log=print):
    """Do what the plan has left to do; returns (report path, {run label: why it was not run})."""
    import keras

    o = plan.options
    for job in plan.classifiers:
        if not job.done:
            _train_classifier(job, o, log)
    if plan.prune and not plan.prune.done(o):
        from Data.svhn import prune_svhn

        kept, total = prune_svhn(o.data, str(plan.prune.classifier))
        log(f"[svhn] pruned: kept {kept} of {total} images")
    not_run = {job.label: job.run.unsupported for job in plan.runs if job.run.unsupported}
    for job in plan.runs:
        if job.run.unsupported:
            continue
        try:
            trained = _train(job, log)
        except MissingWeightsError as exc:  # e.g. no VGG19 weights for the perceptual loss: the others still run
            not_run[job.label] = str(exc)
            log(f"[{job.label}] not run: {exc}")
            continue
        if job.points:
            if trained or not job.evaluated(o):
                _draw(job)
        else:
            if trained or not job.evaluated(o):
                _measure(job, o, log)
            if job.seed == 0 and (trained or not job.figure.is_file()):  # one figure per configuration
                _draw(job)
        keras.backend.clear_session()  # each run builds its own nets; free the last one's graphs
        write_report(plan, not_run)
    return write_report(plan, not_run), not_run
