"""The domain sources of a named dataset: one for a GAN, two for a coupled pair."""
import tensorflow as tf

from Data.catalog import DATASETS
from Data.image_sources import ArraySource


def halves(images01, seed):
    """The thesis's split: two disjoint halves of a seeded permutation (domain 1, domain 2)."""
    n = int(images01.shape[0])
    order = tf.random.experimental.stateless_shuffle(tf.range(n), seed=[seed, 0])
    return tf.gather(images01, order[: n // 2]), tf.gather(images01, order[n // 2 : 2 * (n // 2)])


def _digit_domains(native01, spec, seed, size, paired=False):
    """One domain of all digits, or the thesis's pair: disjoint halves, the second transformed at the digits'
    native resolution, both then resized. `paired`: the first half and its own transformed images, so image i of
    both domains is one digit (Pix2Pix's pairs x, T(x))."""
    from Data.transforms import digit_pair, resized

    if spec.n_domains == 1:
        return [ArraySource(resized(native01, size))]
    first, second = halves(native01, seed)
    return [ArraySource(x) for x in digit_pair(first, first if paired else second, spec.transform, size)]


def load_domains(name, data_dir=None, folders=(), image_size=32, seed=0, attribute=None, svhn_classifier=None,
                 paired=False):
    """Sources for dataset `name`; prepared data (MNIST, SVHN, CelebA, CycleGAN sets) is read from data_dir.

    attribute: the CelebA attribute splitting celeba2attribute; svhn_classifier: the classifier a *_pruned
    dataset was pruned with (prepare-data svhn_pruned); paired: a digit pair's domains hold the same digits, index
    by index (two folders pair by their sorted, same-named files, which the configuration checks).
    """
    spec = DATASETS[name]
    if spec.source == "folder":
        from Data.folder import folder_source

        return [folder_source(folder, image_size) for folder in folders]
    if spec.source in ("svhn", "mnist2svhn"):
        from Data.mnist import load_mnist_images
        from Data.svhn import svhn_source

        from Data.transforms import resized

        mnist = [ArraySource(resized(load_mnist_images(data_dir, "train")[0], 32))] if spec.source == "mnist2svhn" else []
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

        native01, _ = load_digits_images()
    else:
        from Data.mnist import load_mnist_images

        native01, _ = load_mnist_images(data_dir, "train")
    return _digit_domains(native01, spec, seed, image_size, paired)
