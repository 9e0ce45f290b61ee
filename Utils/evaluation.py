"""The `evaluate` measurements, accumulated batch by batch so memory stays the same for any number of pairs.

Numpy only: the command calls the nets (generators, LPIPS, classifier) and hands each batch's distances,
class probabilities and features to the accumulators here. The LPIPS measures are the thesis's (section 3.2,
Table 5.1); pair agreement, class coverage and the classifier-feature FID go beyond it, because LPIPS alone
could not tell that a coupling had failed (section 5.2).
"""
import math

import numpy as np

# Row key -> (label, which images are compared); the thesis's Table 5.1 rows, in its order.
LPIPS_ROWS = {
    "generated_1_vs_generated_2": ("G1(z) vs G2(z), same z", ("generated", 0), ("generated", 1)),
    "generated_1_vs_real_1": ("G1(z) vs real domain 1", ("generated", 0), ("real", 0)),
    "generated_2_vs_real_2": ("G2(z) vs real domain 2", ("generated", 1), ("real", 1)),
    "real_1_vs_real_2": ("real domain 1 vs real domain 2 (baseline)", ("real", 0), ("real", 1)),
}


def lpips_rows(n_domains):
    """The LPIPS rows that make sense for one domain (generated vs real) or two (all four)."""
    return [key for key, (_, *sides) in LPIPS_ROWS.items() if all(d < n_domains for _, d in sides)]


class MeanSE:
    """Running mean and standard error (sample std with ddof=1, over sqrt(n)).

    Batches are merged with Chan et al.'s pairwise update of the sum of squared deviations, which stays
    accurate in float64 where a running sum of squares would cancel catastrophically for large N.
    """

    def __init__(self):
        self.n, self.mean, self._m2 = 0, 0.0, 0.0

    def add(self, values):
        v = np.asarray(values, np.float64).ravel()
        if v.size == 0:
            return
        mean_b = float(v.mean())
        m2_b = float(np.square(v - mean_b).sum())
        n = self.n + v.size
        delta = mean_b - self.mean
        self.mean += delta * v.size / n
        self._m2 += m2_b + delta * delta * self.n * v.size / n
        self.n = n

    @property
    def se(self):
        return math.sqrt(self._m2 / (self.n - 1) / self.n) if self.n > 1 else float("nan")


class Moments:
    """Running mean and covariance (ddof=1) of feature vectors, merged like MeanSE: O(d^2) memory for any N."""

    def __init__(self):
        self.n, self.mean, self._m2 = 0, None, None

    def add(self, features):
        x = np.asarray(features, np.float64)
        x = x.reshape(len(x), -1)
        if len(x) == 0:
            return
        mean_b = x.mean(axis=0)
        centred = x - mean_b
        m2_b = centred.T @ centred
        if self.n == 0:
            self.n, self.mean, self._m2 = len(x), mean_b, m2_b
            return
        n = self.n + len(x)
        delta = mean_b - self.mean
        self.mean = self.mean + delta * len(x) / n
        self._m2 = self._m2 + m2_b + np.outer(delta, delta) * self.n * len(x) / n
        self.n = n

    @property
    def cov(self):
        return self._m2 / (self.n - 1)


def _psd_eigh(matrix):
    """eigh of a symmetric positive semi-definite matrix, eigenvalues within round-off of zero set to zero.

    Rank-deficient covariances (fewer samples than features) have eigenvalues of +-1e-15 that are really 0;
    their square roots (~3e-8 each) would add up to a visible positive bias, so they are zeroed.
    """
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2)
    floor = len(values) * np.finfo(np.float64).eps * np.abs(values).max(initial=0.0)
    return np.where(values > floor, values, 0.0), vectors


def _psd_sqrt(matrix):
    """Symmetric square root of a positive semi-definite matrix."""
    values, vectors = _psd_eigh(matrix)
    return (vectors * np.sqrt(values)) @ vectors.T


def frechet_distance(mu1, cov1, mu2, cov2):
    """||mu1 - mu2||^2 + tr(C1) + tr(C2) - 2 tr sqrt(C1 C2), the FID formula.

    tr sqrt(C1 C2) is computed as tr sqrt(C1^1/2 C2 C1^1/2): the two matrices have the same eigenvalues, and
    the second is symmetric, so eigh gives it stably even for the rank-deficient covariances of small N.
    """
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    cov1, cov2 = np.atleast_2d(cov1).astype(np.float64), np.atleast_2d(cov2).astype(np.float64)
    root1 = _psd_sqrt(cov1)
    inner = root1 @ cov2 @ root1
    trace_sqrt = np.sqrt(_psd_eigh(inner)[0]).sum()
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(cov1) + np.trace(cov2) - 2 * trace_sqrt)


def entropy_bits(frequencies):
    """Shannon entropy in bits of a histogram; log2(classes) means every class equally often."""
    p = np.asarray(frequencies, np.float64)
    p = p[p > 0] / p.sum()
    return 0.0 - float((p * np.log2(p)).sum())  # 0.0 - x: one class gives 0.0, not -0.0


def mutual_information_bits(joint_counts):
    """I(C1; C2) in bits from a contingency table: 0 for independent classes, H(C1) when C2 determines C1.

    Unlike pair agreement it does not care which class goes with which, so it also exposes a pair that is
    coupled under a permutation of the classes. The plug-in estimate's bias for independent classes is about
    (K - 1)^2 / (2 N ln 2) bits for K classes and N pairs.
    """
    joint = np.asarray(joint_counts, np.float64)
    joint = joint / joint.sum()
    outer = np.outer(joint.sum(axis=1), joint.sum(axis=0))
    seen = joint > 0
    return max(float((joint[seen] * np.log2(joint[seen] / outer[seen])).sum()), 0.0)


class Extremes:
    """The k lowest- and k highest-distance generated pairs so far; only 2k pairs of images are ever kept."""

    def __init__(self, k):
        self.k = k
        self.distances = np.zeros([0], np.float64)
        self.images = None  # [images_1, images_2] of the kept pairs

    def add(self, distances, images_1, images_2):
        d = np.concatenate([self.distances, np.asarray(distances, np.float64)])
        kept = [images_1, images_2] if self.images is None else [
            np.concatenate([old, new]) for old, new in zip(self.images, (images_1, images_2))]
        order = np.argsort(d, kind="stable")
        keep = order if len(d) <= 2 * self.k else np.concatenate([order[: self.k], order[-self.k:]])
        self.distances, self.images = d[keep], [x[keep] for x in kept]

    def lowest(self):
        """(distances ascending, images_1, images_2) of the k closest pairs."""
        idx = np.argsort(self.distances, kind="stable")[: self.k]
        return self.distances[idx], self.images[0][idx], self.images[1][idx]

    def highest(self):
        """(distances descending, images_1, images_2) of the k farthest pairs."""
        idx = np.argsort(self.distances, kind="stable")[::-1][: self.k]
        return self.distances[idx], self.images[0][idx], self.images[1][idx]


def lpips_measures(distance, generated, real):
    """{row key: [b] distances} for one batch, all rows in one call of `distance(x, y)` (e.g. LPIPS.distance).

    generated, real: per-domain image batches of equal size b; generated pair i is compared with real sample
    i of the seeded real stream, and real domain 1 with real domain 2 sample by sample.
    """
    images = {"generated": generated, "real": real}
    keys = lpips_rows(len(generated))
    sides = [LPIPS_ROWS[key][1:] for key in keys]
    x = np.concatenate([images[kind][d] for (kind, d), _ in sides])
    y = np.concatenate([images[kind][d] for _, (kind, d) in sides])
    d = np.asarray(distance(x, y))
    b = len(generated[0])
    return {key: d[i * b:(i + 1) * b] for i, key in enumerate(keys)}


class ClassifierMeasures:
    """Pair agreement, class coverage and classifier-feature FID, from per-batch softmax outputs and features.

    Pair agreement is the fraction of z whose G1(z) and G2(z) get the same argmax class; its chance level
    sum_c p1(c) p2(c) is what independent generators with these class frequencies would reach. The pair
    confusion table (rows: class of G1(z), columns: class of G2(z)) and its mutual information show how the
    classes of the two images depend on each other, whether or not they are the same class.
    """

    def __init__(self, n_domains, n_classes):
        self.n_domains, self.n_classes = n_domains, n_classes
        self.pairs = np.zeros((n_classes, n_classes), np.int64)
        self.counts = {(kind, d): np.zeros(n_classes, np.int64) for kind in ("real", "generated")
                       for d in range(n_domains)}
        self.moments = {key: Moments() for key in self.counts}

    def add(self, generated, real):
        """generated, real: per domain (probabilities [b, classes], features [b, f])."""
        labels = {}
        for kind, outputs in (("generated", generated), ("real", real)):
            for d, (probabilities, features) in enumerate(outputs):
                labels[kind, d] = np.argmax(probabilities, axis=-1)
                self.counts[kind, d] += np.bincount(labels[kind, d], minlength=self.n_classes)
                self.moments[kind, d].add(features)
        if self.n_domains == 2:
            np.add.at(self.pairs, (labels["generated", 0], labels["generated", 1]), 1)

    def _agreement(self):
        """Mean and standard error (ddof 1) of the 0/1 agreement of each pair, read off the confusion table."""
        n = int(self.pairs.sum())
        mean = float(np.trace(self.pairs)) / n if n else 0.0
        se = math.sqrt(mean * (1 - mean) / (n - 1)) if n > 1 else float("nan")
        chance = float(self.frequencies("generated", 0) @ self.frequencies("generated", 1))
        return {"mean": mean, "se": se, "chance": chance}

    def frequencies(self, kind, d):
        counts = self.counts[kind, d]
        return counts / max(counts.sum(), 1)

    def summary(self):
        coverage = {f"{kind}_{d + 1}": {"histogram": self.counts[kind, d].tolist(),
                                         "entropy_bits": entropy_bits(self.counts[kind, d])}
                    for d in range(self.n_domains) for kind in ("real", "generated")}
        fid = {f"domain_{d + 1}": frechet_distance(self.moments["real", d].mean, self.moments["real", d].cov,
                                                   self.moments["generated", d].mean,
                                                   self.moments["generated", d].cov)
               for d in range(self.n_domains)}
        result = {"classes": self.n_classes, "max_entropy_bits": math.log2(self.n_classes), "coverage": coverage,
                  "fid": fid}
        if self.n_domains == 2:
            result["pair_agreement"] = self._agreement()
            result["pair_confusion"] = self.pairs.tolist()
            result["pair_mutual_information_bits"] = mutual_information_bits(self.pairs)
        return result


def table_rows(summary):
    """[(key, label, mean, se or None)]: the flat table the CSV and the markdown share."""
    rows = [(key, f"LPIPS {LPIPS_ROWS[key][0]}", value["mean"], value["se"])
            for key, value in summary["lpips"].items()]
    clf = summary.get("classifier")
    if clf:
        if "pair_agreement" in clf:
            agreement = clf["pair_agreement"]
            rows.append(("pair_agreement", "pair agreement, argmax G1(z) = argmax G2(z)", agreement["mean"],
                         agreement["se"]))
            rows.append(("pair_agreement_chance", "pair agreement by chance, sum_c p1(c) p2(c)", agreement["chance"],
                         None))
            rows.append(("pair_mutual_information", "mutual information of the classes of G1(z) and G2(z) (bits)",
                         clf["pair_mutual_information_bits"], None))
        for name, value in clf["coverage"].items():
            kind, d = name.rsplit("_", 1)
            rows.append((f"entropy_{name}", f"class entropy (bits, max {clf['max_entropy_bits']:.3f}), {kind} "
                         f"domain {d}", value["entropy_bits"], None))
        for name, value in clf["fid"].items():
            rows.append((f"fid_{name}", f"classifier-feature FID, {name.replace('_', ' ')}", value, None))
    rows += [(f"swd_{domain}_{level}", f"SWD x 1e3, generated vs real domain {domain.rsplit('_', 1)[1]}, "
              + ("average over the levels" if level == "avg" else f"{level}x{level} level"), value, None)
             for domain, levels in (summary.get("swd") or {}).items() for level, value in levels.items()]
    return rows + translation_rows(summary)


# Measure key -> label of the translation scores (Trainers/translation_scores.py), in the table's column order.
TRANSLATION_MEASURES = {"lpips": "LPIPS to T(x)", "mae": "mean abs. error to T(x)", "agreement": "class agreement"}


def translation_rows(summary):
    """[(key, label, mean, se)] of `evaluate --translation`: per direction, each row's measures, then the
    inversion error of a GAN pair."""
    rows = []
    for direction, result in (summary.get("translation") or {}).get("directions", {}).items():
        for row, scores in result["rows"].items():
            rows += [(f"translation_{direction}_{row}_{measure}", f"translation {direction}, {scores['label']}: "
                      f"{label}", scores[measure]["mean"], scores[measure]["se"])
                     for measure, label in TRANSLATION_MEASURES.items() if scores[measure] is not None]
        if "inversion_mse" in result:
            error = result["inversion_mse"]
            rows.append((f"translation_{direction}_inversion_mse", f"translation {direction}, inversion error "
                         f"(pixel MSE of G_source(z*) vs x)", error["mean"], error["se"]))
    return rows


def translation_markdown(translation):
    """One table per direction: rows model and references, columns LPIPS, mean absolute error, class agreement."""
    lines = ["", f"Translation of {translation['n']} of {translation['test_digits']} held-out digits each way, scored "
                 f"against their exact counterparts T(x): {translation['seconds']} s, "
                 f"{translation['seconds_per_image']} s per image."]
    for direction, result in translation["directions"].items():
        measures = [m for m in TRANSLATION_MEASURES if any(s[m] is not None for s in result["rows"].values())]
        lines += ["", f"| translation {direction}, {translation['n']} test digits | "
                  + " | ".join(TRANSLATION_MEASURES[m] for m in measures) + " |", "| --- |" + " --- |" * len(measures)]
        lines += [f"| {scores['label']} | " + " | ".join(f"{scores[m]['mean']:.4f} ± {scores[m]['se']:.4f}"
                                                         for m in measures) + " |"
                  for scores in result["rows"].values()]
        if "inversion_mse" in result:
            error = result["inversion_mse"]
            lines.append(f"\nInversion error {direction} (pixel MSE of G_source(z*) vs x, images in [-1, 1]): "
                         f"{error['mean']:.5f} ± {error['se']:.5f}")
    return lines


def to_csv(summary):
    lines = ["measurement,mean,se"]
    lines += [f"{key},{mean:.6f},{'' if se is None else f'{se:.6f}'}" for key, _, mean, se in table_rows(summary)]
    return "\n".join(lines) + "\n"


def to_markdown(summary):
    """Thesis Table 5.1's layout: one row per measurement, mean ± standard error; then the class histograms."""
    head = ((f"{summary['n']} pairs" if summary["n"] else "Image-to-image translators, scored on their translations")
            + f", LPIPS {summary['net']}"
            + (f", checkpoint {summary['checkpoint']}" if summary.get("checkpoint") else "")
            + (f", classifier {summary['classifier']['path']}" if summary.get("classifier") else ""))
    translation_keys = {key for key, *_ in translation_rows(summary)}
    rows = [row for row in table_rows(summary) if row[0] not in translation_keys]  # those get their own tables
    lines = [head] + (["", "| measurement | mean ± s.e. |", "| --- | --- |"] if rows else [])
    lines += [f"| {label} | {mean:.4f}" + ("" if se is None else f" ± {se:.4f}") + " |" for _, label, mean, se in rows]
    clf = summary.get("classifier")
    if clf:
        classes = range(clf["classes"])
        lines += ["", "| predicted class frequency | " + " | ".join(str(c) for c in classes) + " |",
                  "| --- |" + " --- |" * clf["classes"]]
        for name, value in clf["coverage"].items():
            total = max(sum(value["histogram"]), 1)
            lines.append(f"| {name.replace('_', ' domain ')} | "
                         + " | ".join(f"{count / total:.3f}" for count in value["histogram"]) + " |")
        if "pair_confusion" in clf:
            lines += ["", "| pairs: class of G1(z) (rows) by class of G2(z) | "
                      + " | ".join(str(c) for c in classes) + " |", "| --- |" + " --- |" * clf["classes"]]
            lines += [f"| {c} | " + " | ".join(str(count) for count in row) + " |"
                      for c, row in zip(classes, clf["pair_confusion"])]
    if summary.get("translation"):
        lines += translation_markdown(summary["translation"])
    return "\n".join(lines) + "\n"
