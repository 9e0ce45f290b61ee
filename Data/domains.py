"""The domain sources of a named dataset: one for a GAN, two for a coupled pair."""
from Data.catalog import DATASETS
from Data.sources import ArraySource, halves


def _digit_domains(images01, spec, seed):
    from Data.transforms import TRANSFORMS

    if spec.n_domains == 1:
        return [ArraySource(images01)]
    first, second = halves(images01, seed)
    return [ArraySource(first), ArraySource(TRANSFORMS[spec.transform](second))]


def load_domains(name, data_dir=None, folders=(), image_size=32, seed=0):
    """Sources for dataset `name`; MNIST needs prepared tfds data in data_dir."""
    spec = DATASETS[name]
    if spec.source == "folder":
        from Data.folder import folder_source

        return [folder_source(folder, image_size) for folder in folders]
    if spec.source == "digits":
        from Data.digits import load_digits_images

        images01, _ = load_digits_images(image_size)
    else:
        from Data.mnist import load_mnist_images

        images01, _ = load_mnist_images(data_dir, "train", image_size)
    return _digit_domains(images01, spec, seed)
