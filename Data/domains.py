"""The domain sources of a named dataset: one for a GAN, two for a coupled pair."""
import tensorflow as tf

from Data.catalog import DATASETS
from Data.image_sources import ArraySource


def halves(images01, seed):
    """The thesis's split: two disjoint halves of a seeded permutation (domain 1, domain 2)."""
    n = int(images01.shape[0])
    order = tf.random.experimental.stateless_shuffle(tf.range(n), seed=[seed, 0])
    return tf.gather(images01, order[: n // 2]), tf.gather(images01, order[n // 2 : 2 * (n // 2)])


def _digit_domains(images01, spec, seed):
    from Data.transforms import TRANSFORMS

    if spec.n_domains == 1:
        return [ArraySource(images01)]
    first, second = halves(images01, seed)
    return [ArraySource(first), ArraySource(TRANSFORMS[spec.transform](second))]


def load_domains(name, data_dir=None, folders=(), image_size=32, seed=0, attribute=None, svhn_classifier=None):
    """Sources for dataset `name`; prepared data (MNIST, SVHN, CelebA, CycleGAN sets) is read from data_dir.

    attribute: the CelebA attribute splitting celeba2attribute; svhn_classifier: the classifier a *_pruned
    dataset was pruned with (prepare-data svhn_pruned).
    """
    spec = DATASETS[name]
    if spec.source == "folder":
        from Data.folder import folder_source

        return [folder_source(folder, image_size) for folder in folders]
    if spec.source in ("svhn", "mnist2svhn"):
        from Data.mnist import load_mnist_images
        from Data.svhn import svhn_source

        mnist = [ArraySource(load_mnist_images(data_dir, "train", 32)[0])] if spec.source == "mnist2svhn" else []
        return mnist + [svhn_source(data_dir, svhn_classifier if spec.pruned else None)]
    if spec.source == "celeba":
        from Data.celeba import celeba_domains

        return celeba_domains(data_dir, image_size, attribute if spec.n_domains == 2 else None)
    if spec.source == "cyclegan":
        from Data.cyclegan import cyclegan_domains

        return cyclegan_domains(name, data_dir, image_size)
    if spec.source == "ring":
        from Data.ring import PointSource, ring_points

        return [PointSource(ring_points(seed))]
    if spec.source == "digits":
        from Data.digits import load_digits_images

        images01, _ = load_digits_images(image_size)
    else:
        from Data.mnist import load_mnist_images

        images01, _ = load_mnist_images(data_dir, "train", image_size)
    return _digit_domains(images01, spec, seed)
