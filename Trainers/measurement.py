"""One measurement of generators the thesis's way (section 3.2, Table 5.1): the LPIPS rows over N pairs and, with a
digit classifier, pair agreement, the pair confusion table, class coverage and classifier-feature FID.

Below the CLI so that `evaluate` (one run) and `reproduce` (every run of a thesis table) measure identically. The
numpy accumulators are Utils/evaluation.py; this module calls the nets (generators, LPIPS, classifier) batch by
batch and writes evaluation.json, .csv, .md and extremes.png (evaluation_ddls.* and extremes_ddls.png when the
generators are fed z moved by discriminator-driven latent sampling, Trainers/ddls.py).
"""
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

from Data.catalog import DATASETS
from Utils.errors import ConfigError

# Pairs the thesis measured over, by data source; CycleGAN sets and folders use their larger domain's size.
THESIS_PAIRS = {"mnist": 30000, "digits": 30000, "svhn": 50000, "mnist2svhn": 50000, "celeba": 50000}
OUTPUTS = ("evaluation.json", "evaluation.csv", "evaluation.md", "extremes.png")
DDLS_SUFFIX = "_ddls"  # evaluation_ddls.json, ...: the same measures of the DDLS samples
# Tables 3.3-3.8 also compare each generator with the other domain's real images.
CROSS_ROWS = {"generated_1_vs_real_2": "G1(z) vs real domain 2", "generated_2_vs_real_1": "G2(z) vs real domain 1"}


@dataclass
class Measurement:
    """What to measure and where to write it: the `evaluate` command's flags, resolved."""

    source: str  # a run directory (latest checkpoint) or exported generators
    is_run: bool
    dataset: str
    data_dir: str
    out: str
    split_seed: int = 0  # seed of the two halves of a digit dataset (a run's own seed)
    folder: List[str] = field(default_factory=list)
    attribute: Optional[str] = None
    svhn_classifier: Optional[str] = None
    n: Optional[int] = None  # pairs; None: the thesis's count for the data
    net: str = "alex"
    lpips_weights: Optional[str] = None
    classifier: Optional[str] = None
    batch_size: int = 128
    seed: int = 0
    noise: Optional[str] = None  # None: the run's (an export's model.json, else uniform)
    extremes: int = 8
    translation: Optional[object] = None  # Trainers.translation_scores.TranslationMeasure: score translations too
    quiet: bool = False
    cross: bool = False  # also G1(z) vs real domain 2 and G2(z) vs real domain 1 (summary["lpips_cross"])
    ddls: Optional[object] = None  # Trainers.ddls.DDLSSettings: measure the generators on DDLS-moved z (a run only)
    swd: bool = False  # also the sliced Wasserstein distance of generated vs real images per domain (Utils/swd.py)
    swd_images: int = 2048  # images per domain the SWD compares (the first of the N pairs)


def default_pairs(dataset, domain_sizes):
    """The thesis's pair count for `dataset`, else the larger domain's size."""
    return THESIS_PAIRS.get(DATASETS[dataset].source) or max(domain_sizes)


def _generators(m):
    """(generate: z -> [images per domain], latent_dim, noise, checkpoint or None, DDLS sampler or None).

    With m.ddls, the sampler (z -> DDLS-moved z) goes before generate: the z drawn are the plain measurement's, so
    the two measurements differ by DDLS alone."""
    import tensorflow as tf

    from Trainers.ddls import RunSampler
    from Trainers.export import read_record
    from Trainers.restore import load_exported, restore_run

    if m.ddls is not None and not m.is_run:
        raise ConfigError(f"DDLS needs a run directory's discriminators; {m.source} holds exported generators")
    if m.is_run:
        run = restore_run(m.source, discriminators=m.ddls is not None)
        generators, noise = run.generators, m.noise or run.config.model.noise
        joint = generators.compiled_images()
        sampler = RunSampler(run, m.ddls, noise) if m.ddls is not None else None
        return joint, run.config.model.latent_dim, noise, run.checkpoint, sampler
    generators = load_exported(m.source)
    latent_dim = int(tf.nest.flatten(generators[0].serve.input_signature)[0].shape[-1])
    noise = m.noise or read_record(m.source).get("noise") or "uniform"
    return (lambda z: [g.serve(z) for g in generators]), latent_dim, noise, None, None


def _sources(m, shapes):
    """The real domains at the generators' image size, after checking they match the generators."""
    from Data.domains import load_domains
    from Utils.errors import DataError

    size = int(shapes[0][0])
    if size not in DATASETS[m.dataset].sizes:
        raise DataError(f"the generators make {size}x{size} images; --dataset {m.dataset} comes at "
                        f"{' or '.join(map(str, DATASETS[m.dataset].sizes))}")
    sources = load_domains(m.dataset, m.data_dir, m.folder, size, m.split_seed,
                           attribute=m.attribute, svhn_classifier=m.svhn_classifier)
    if len(sources) != len(shapes):
        raise DataError(f"{m.source} holds {len(shapes)} generator(s) but --dataset {m.dataset} has "
                        f"{len(sources)} domain(s)")
    for i, (source, shape) in enumerate(zip(sources, shapes)):
        if tuple(source.image_shape) != tuple(shape):
            raise DataError(f"generator {i + 1} makes images of shape {tuple(shape)}, domain {i + 1} of "
                            f"{m.dataset} has {tuple(source.image_shape)}")
    return sources


def _batch_size(m, n, sources):
    """Pairs per step: the batch size asked for, at most N, and no larger than a domain (the real streams batch
    whole)."""
    from Utils.errors import DataError

    batch_size = min(m.batch_size, n)
    for i, source in enumerate(sources):
        if batch_size > source.size:
            raise DataError(f"--batch-size {batch_size} is larger than domain {i + 1} ({source.size} images); "
                            f"give --batch-size {source.size} or less")
    return batch_size


def classifier_probe(path, image_shape):
    """(probe: images -> (probabilities, penultimate features), classes) of a frozen single-label classifier;
    `evaluate` and `train --eval-every` (Trainers/quality.py) measure with it."""
    import keras
    import tensorflow as tf

    from Nets.classifiers import load_frozen_classifier

    model = load_frozen_classifier(path, image_shape)
    if getattr(model.layers[-1], "activation", None) is keras.activations.sigmoid:
        raise ConfigError(f"--classifier {path} is multi-label (sigmoid outputs); pair agreement and class coverage "
                          f"need one class per image (a digit classifier from train-classifier)")
    names = [layer.name for layer in model.layers]
    features = model.get_layer("features").output if "features" in names else model.layers[-2].output
    probe = keras.Model(model.inputs, [model.outputs[0], features])
    return tf.function(lambda x: probe(x, training=False), reduce_retracing=True), int(model.output_shape[-1])


def _swd_accumulators(m, n, image_shape, n_domains):
    """One SWD accumulator per domain (generated vs real images) under m.swd, else none."""
    from Utils.swd import SMALLEST, SlicedWassersteinDistance

    if not m.swd:
        return []
    if image_shape[0] < SMALLEST or len(image_shape) != 3:
        raise ConfigError(f"--swd compares Laplacian pyramids down to {SMALLEST}x{SMALLEST}; the generators make "
                          f"images of shape {tuple(image_shape)}")
    return [SlicedWassersteinDistance(min(m.swd_images, n), m.seed) for _ in range(n_domains)]


def _write_extremes(extremes, path):
    """Thesis Figs. 5.2/5.3: the closest pairs (domain 1 over domain 2, ascending) above the farthest (descending)."""
    import numpy as np

    from Utils.images import pair_grid, save_png

    blocks = []
    for _, images_1, images_2 in (extremes.lowest(), extremes.highest()):
        blocks.append(pair_grid([images_1, images_2], columns=len(images_1)))
    spacer = np.full((8, blocks[0].shape[1], 3), 255, np.uint8)
    save_png(np.concatenate([blocks[0], spacer, blocks[1]]), path)


def _translation(m, image_shape, lpips, probe, directions=("1to2", "2to1")):
    """summary["translation"]: the model's translations of held-out digits scored against T(x)
    (Trainers/translation_scores.py)."""
    import numpy as np
    from tqdm import tqdm

    from Trainers.translation_scores import measure_translation

    classify = None if probe is None else (lambda x: np.argmax(np.asarray(probe(x)[0]), axis=-1))
    with tqdm(total=len(directions) * m.translation.n, unit="translation", dynamic_ncols=True,
              disable=m.quiet) as bar:
        return measure_translation(m.source, m.dataset, m.data_dir, m.split_seed, image_shape, m.translation,
                                   lpips.distances, classify, m.noise, m.seed, m.batch_size, bar.update, directions)


def _measure_translators(m, facts):
    """A CycleGAN or Pix2Pix model draws nothing from z, so its measurement is the translation scores alone, in
    the directions it has nets for."""
    from Nets.lpips import load_lpips

    if facts.image_shape is None:
        raise ConfigError(f"{m.source}/model.json does not record the translators' image size (an export older "
                          f"than the record): export the run again with `python main.py export RUN`")
    probe = classifier_probe(m.classifier, facts.image_shape)[0] if m.classifier else None
    translation = _translation(m, facts.image_shape, load_lpips(m.net, m.lpips_weights), probe,
                               facts.translator_directions)
    summary = {"source": str(m.source), "checkpoint": None, "dataset": m.dataset, "n": 0, "net": m.net,
               "lpips": {}, "classifier": None, "translation": translation, "seconds": translation["seconds"],
               "pairs_per_second": 0.0}
    return summary, _write(summary, m)


def _write(summary, m, extremes=None):
    """evaluation.json, .csv, .md (and extremes.png) in m.out; the JSON last, as its presence means complete."""
    from Utils.atomic import write_text
    from Utils.evaluation import to_csv

    out = Path(m.out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / output_name(name, m.ddls is not None) for name in OUTPUTS]
    written = paths[:3]
    if extremes:
        summary["extremes"] = {"lowest": extremes.lowest()[0].tolist(), "highest": extremes.highest()[0].tolist()}
        _write_extremes(extremes, paths[3])
        written.append(paths[3])
    write_text(paths[1], to_csv(summary))
    write_text(paths[2], report(summary))
    write_text(paths[0], json.dumps(summary, indent=2) + "\n")
    return written


def measure(m: Measurement):
    """Measure, write the outputs to m.out and return (summary, written paths)."""
    import time

    import numpy as np
    import tensorflow as tf
    from tqdm import tqdm

    from Data.pipeline import batched_stream
    from Nets.lpips import load_lpips
    from Trainers.translation import describe
    from Utils.evaluation import LPIPS_ROWS, ClassifierMeasures, Extremes, MeanSE, lpips_measures, lpips_rows
    from Utils.latents import draw_latents

    facts = describe(m.source)
    if facts.translator_directions:
        return _measure_translators(m, facts)
    generate, latent_dim, noise, checkpoint, sampler = _generators(m)
    shapes = [tuple(x.shape[1:]) for x in generate(np.zeros((1, latent_dim), np.float32))]
    sources = _sources(m, shapes)
    n = m.n or default_pairs(m.dataset, [s.size for s in sources])
    batch_size = _batch_size(m, n, sources)
    probe, classes = classifier_probe(m.classifier, shapes[0]) if m.classifier else (None, 0)
    lpips = load_lpips(m.net, m.lpips_weights)

    n_domains = len(sources)
    stats = {key: MeanSE() for key in lpips_rows(n_domains)}
    cross = {key: MeanSE() for key in CROSS_ROWS} if m.cross and n_domains == 2 else {}
    extremes = Extremes(m.extremes) if n_domains == 2 else None
    measures = ClassifierMeasures(n_domains, classes) if probe else None
    swds = _swd_accumulators(m, n, shapes[0], n_domains)
    rng = np.random.default_rng(m.seed)
    real_batches = iter(tf.data.Dataset.zip(tuple(batched_stream(s, batch_size, m.seed + i)
                                                  for i, s in enumerate(sources))))
    start, done = time.monotonic(), 0
    with tqdm(total=n, unit="pair", dynamic_ncols=True, disable=m.quiet) as bar:
        while done < n:
            b = min(batch_size, n - done)
            z = draw_latents(rng, noise, (b, latent_dim))
            generated = [np.asarray(x) for x in generate(sampler(z) if sampler else z)]
            real = [np.asarray(x)[:b] for x in next(real_batches)]
            for key, distances in lpips_measures(lpips.distance, generated, real).items():
                stats[key].add(distances)
                if key == "generated_1_vs_generated_2":
                    extremes.add(distances, *generated)
            if cross:
                distances = np.asarray(lpips.distance(np.concatenate([generated[0], generated[1]]),
                                                      np.concatenate([real[1], real[0]])))
                for i, key in enumerate(CROSS_ROWS):
                    cross[key].add(distances[i * b:(i + 1) * b])
            for accumulator, images, reals in zip(swds, generated, real):
                accumulator.add(images, reals)
            if measures:
                probabilities, features = (np.asarray(x) for x in probe(np.concatenate(generated + real)))
                outputs = [(probabilities[i * b:(i + 1) * b], features[i * b:(i + 1) * b])
                           for i in range(2 * n_domains)]
                measures.add(outputs[:n_domains], outputs[n_domains:])
            done += b
            bar.update(b)
    seconds = time.monotonic() - start

    summary = {
        "source": str(m.source), "checkpoint": checkpoint, "dataset": m.dataset, "n": n,
        "batch_size": batch_size, "seed": m.seed, "noise": noise, "net": m.net,
        "lpips": {key: {"label": LPIPS_ROWS[key][0], "mean": s.mean, "se": s.se} for key, s in stats.items()},
        "classifier": dict(path=str(m.classifier), **measures.summary()) if measures else None,
        "seconds": round(seconds, 1), "pairs_per_second": round(n / max(seconds, 1e-9), 1),
    }
    if m.translation is not None:
        summary["translation"] = _translation(m, shapes[0], lpips, probe)
    if swds:
        summary["swd"] = {f"domain_{i + 1}": accumulator.result() for i, accumulator in enumerate(swds)}
    if cross:
        summary["lpips_cross"] = {key: {"label": CROSS_ROWS[key], "mean": s.mean, "se": s.se}
                                  for key, s in cross.items()}
    if sampler:
        summary["ddls"] = sampler.summary()
    return summary, _write(summary, m, extremes)


def report(summary):
    """The markdown table of a measurement, headed by what DDLS did when its samples were DDLS-moved."""
    from Trainers.ddls import describe
    from Utils.evaluation import to_markdown

    return (f"{describe(summary['ddls'])}\n\n" if "ddls" in summary else "") + to_markdown(summary)


def output_name(name, ddls):
    """evaluation.json, or evaluation_ddls.json for the DDLS samples' measurement (likewise .csv, .md, extremes)."""
    stem, dot, suffix = name.partition(".")
    return f"{stem}{DDLS_SUFFIX}{dot}{suffix}" if ddls else name
