"""`evaluate --translation`: how right a model's translations are, scored against the exact ground truth the digit
pairs have. Every held-out digit x has its counterpart T(x) (its edge image, negative or rotation; Data/labelled.py
`paired_test_digits`), so a translation T-hat(x) is compared with T(x) itself: LPIPS, mean absolute pixel error and,
with a digit classifier, whether T-hat(x) shows x's digit.

Reference rows put the model's numbers in context: a random real target-domain image of x's class ("right digit,
wrong instance"), a random real target-domain image, and the identity T-hat(x) = x. For a GAN pair the inversion's
own error (pixel MSE of G_source(z*) against x) is reported too: a translation cannot be better than the z found.
"""
from dataclasses import dataclass, field

from Trainers.inversion import InversionSettings

# Row key -> label, in the order of the table: the model, then the references from the closest in kind to the least.
ROWS = {"model": "model", "same_class": "real target image of x's class", "random": "random real target image",
        "identity": "identity, x itself"}
DEFAULT_N = 100  # test digits per direction: the inversion costs seconds per image on a CPU (docs/evaluation.md)


@dataclass(frozen=True)
class TranslationMeasure:
    n: int = DEFAULT_N
    inversion: InversionSettings = field(default_factory=InversionSettings)


def measure_translation(source, dataset, data_dir, split_seed, image_shape, settings: TranslationMeasure,
                        distance, classify=None, noise=None, seed=0, batch_size=128, progress=None,
                        directions=("1to2", "2to1")):
    """The translation summary (summary["translation"] of evaluate) of the model at `source` on digit pair
    `dataset`'s held-out digits, in `directions` (both, but Pix2Pix has a net for 1to2 only).

    distance(a, b) -> [N] numpy LPIPS; classify(images) -> [N] classes, or None for no agreement measure.
    """
    import time

    import numpy as np
    import tensorflow as tf

    from Data.labelled import paired_test_digits
    from Trainers.translation import DIRECTIONS, translate_all, translators

    domains_01 = paired_test_digits(dataset, data_dir, image_shape[0], split_seed)
    domains = [np.asarray(tf.image.grayscale_to_rgb(x)) * 2.0 - 1.0 for x in domains_01[:2]]
    labels = domains_01[2]
    rng = np.random.default_rng(seed)
    chosen = rng.permutation(len(labels))[:settings.n]
    found = translators(source, list(directions), settings.inversion, noise, seed=seed)
    start, result = time.monotonic(), {}
    for direction in directions:
        source_domain, target_domain = DIRECTIONS[direction]
        x, truth = domains[source_domain][chosen], domains[target_domain][chosen]
        translation = translate_all(found[direction], x, batch_size, progress)
        candidates = {"model": translation.images,
                      "same_class": domains[target_domain][_partners(rng, labels, chosen, same_class=True)],
                      "random": domains[target_domain][_partners(rng, labels, chosen, same_class=False)],
                      "identity": x}
        rows = {key: _scores(ROWS[key], images, truth, labels[chosen], distance, classify)
                for key, images in candidates.items()}
        result[direction] = {"rows": rows}
        if translation.inversion is not None:
            result[direction]["inversion_mse"] = _mean_se(translation.inversion.mse)
    seconds = time.monotonic() - start
    return {"n": int(len(chosen)), "test_digits": int(len(labels)), "directions": result,
            "inversion": vars(settings.inversion), "seconds": round(seconds, 1),
            "seconds_per_image": round(seconds / (len(chosen) * len(directions)), 3)}


def _partners(rng, labels, chosen, same_class):
    """For each chosen digit, the index of another test digit: of the same class, or of any class."""
    import numpy as np

    partners = []
    for i in chosen:
        pool = np.flatnonzero(labels == labels[i]) if same_class else np.arange(len(labels))
        pool = pool[pool != i]
        partners.append(rng.choice(pool) if len(pool) else i)
    return np.asarray(partners, np.int64)


def _scores(label, images, truth, labels, distance, classify):
    """LPIPS and mean absolute error ([0, 1] intensity scale) to T(x), and class agreement with x's label."""
    import numpy as np

    images = np.asarray(images, np.float32)
    scores = {"label": label, "lpips": _mean_se(distance(images, truth)),
              "mae": _mean_se(np.abs(images - truth).mean(axis=(1, 2, 3)) / 2.0), "agreement": None}
    if classify is not None:
        scores["agreement"] = _mean_se((np.asarray(classify(images)) == labels).astype(np.float64))
    return scores


def _mean_se(values):
    from Utils.evaluation import MeanSE

    stat = MeanSE()
    stat.add(values)
    return {"mean": stat.mean, "se": stat.se}
