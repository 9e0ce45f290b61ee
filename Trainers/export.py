"""SavedModels of the generators (z -> image), written atomically."""
from pathlib import Path

from Utils.atomic import replace_dir


def export_generators(generators, out_dir):
    """Write out_dir/generator_<i> for each domain; load with tf.saved_model.load(path).serve(z)."""
    paths = []
    for i in range(len(generators.single)):
        final = Path(out_dir) / f"generator_{i + 1}"
        tmp = Path(str(final) + ".tmp")
        generators.image_model(i).export(str(tmp), verbose=False)
        replace_dir(tmp, final)
        paths.append(final)
    return paths
