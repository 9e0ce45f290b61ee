"""SavedModels of the nets, each written to a temporary folder and renamed into place."""
from pathlib import Path

from Utils.atomic import replace_dir


def _export(model, final):
    tmp = Path(str(final) + ".tmp")
    model.export(str(tmp), verbose=False)
    replace_dir(tmp, final)
    return final


def export_generators(generators, out_dir):
    """out_dir/generator_<i>, z -> image; load with tf.saved_model.load(path).serve(z)."""
    return [_export(generators.image_model(i), Path(out_dir) / f"generator_{i + 1}")
            for i in range(len(generators.single))]


def export_discriminators(discriminators, out_dir):
    """out_dir/discriminator_<i>, image -> logit."""
    return [_export(d, Path(out_dir) / f"discriminator_{i + 1}") for i, d in enumerate(discriminators)]


def export_auxiliaries(auxiliaries, out_dir):
    """out_dir/<name> for each jointly trained net, e.g. encoder: image -> z."""
    return [_export(net, Path(out_dir) / name) for name, net in auxiliaries.items()]
