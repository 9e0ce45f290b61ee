"""SavedModels of the nets, each written to a temporary folder and renamed into place, and the record beside
them of what a SavedModel does not say (model.json)."""
import json
from pathlib import Path

from Utils.atomic import replace_dir

RECORD = "model.json"


def _export(model, final):
    tmp = Path(str(final) + ".tmp")
    model.export(str(tmp), verbose=False)
    replace_dir(tmp, final)
    return final


def export_generators(generators, out_dir):
    """out_dir/generator_<i>, z -> image (load with tf.saved_model.load(path).serve(z)); for translators
    out_dir/translator_1to2 and translator_2to1, image -> image (.serve(images))."""
    return [_export(net, Path(out_dir) / name) for name, net in generators.image_models().items()]


def export_discriminators(discriminators, out_dir):
    """out_dir/discriminator_<i>, image -> logit."""
    return [_export(d, Path(out_dir) / f"discriminator_{i + 1}") for i, d in enumerate(discriminators)]


def export_auxiliaries(auxiliaries, out_dir):
    """out_dir/<name> for each jointly trained net, e.g. encoder: image -> z."""
    return [_export(net, Path(out_dir) / name) for name, net in auxiliaries.items()]


def write_record(cfg, out_dir):
    """out_dir/model.json: what using the SavedModels needs that they do not say themselves, the latent
    distribution above all, which `translate` inverts into."""
    from Utils.atomic import write_text

    size = cfg.data.image_size
    record = {"model": cfg.model.kind, "dataset": cfg.data.dataset, "latent_dim": cfg.model.latent_dim,
              "noise": cfg.model.noise, "image_shape": None if size is None else [size, size, 3]}
    path = Path(out_dir) / RECORD
    write_text(path, json.dumps(record, indent=2) + "\n")
    return path


def read_record(out_dir) -> dict:
    """The export's model.json as a dict; {} for an export written before the record existed."""
    path = Path(out_dir) / RECORD
    return json.loads(path.read_text()) if path.is_file() else {}
