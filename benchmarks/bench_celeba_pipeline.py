"""Images per second of the 128x128 CelebA pipeline (read, JPEG decode, centre crop, resize, batch) on fixtures.

Writes N faces in the published layout (img_align_celeba/*.jpg of 178x218 with smooth random content, about
9 kB each like CelebA's; plus list_attr_celeba.txt and list_eval_partition.txt), prepares them with
prepare-data and times the training stream of one domain and of the zipped Smiling pair: decoded on the fly, as
the full CelebA (too large to cache) is, and served from the decoded cache, as small sets are.
Run from the repository root: python benchmarks/bench_celeba_pipeline.py [--faces 1024] [--batch-size 64]
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from Data.catalog import CELEBA_ATTRIBUTE_NAMES  # noqa: E402  (needs the repository on sys.path first)


def write_faces(root, n, seed=0):
    """n JPEGs and the two attribute lists; every other face smiles."""
    rng = np.random.default_rng(seed)
    images = root / "img_align_celeba"
    images.mkdir(parents=True)
    names = [f"{i + 1:06d}.jpg" for i in range(n)]
    smiling = CELEBA_ATTRIBUTE_NAMES.index("Smiling")
    rows = []
    for i, name in enumerate(names):
        coarse = Image.fromarray(rng.integers(0, 256, (14, 12, 3), dtype=np.uint8))
        coarse.resize((178, 218), Image.BICUBIC).save(images / name, quality=90)
        values = ["-1"] * len(CELEBA_ATTRIBUTE_NAMES)
        values[smiling] = "1" if i % 2 else "-1"
        rows.append(f"{name} {' '.join(values)}")
    (root / "list_attr_celeba.txt").write_text(f"{n}\n{' '.join(CELEBA_ATTRIBUTE_NAMES)}\n" + "\n".join(rows) + "\n")
    (root / "list_eval_partition.txt").write_text("".join(f"{name} 0\n" for name in names))


def images_per_second(dataset, images_per_batch, batches):
    """Throughput over `batches` batches after two warm-up batches."""
    iterator = iter(dataset)
    for _ in range(2):
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return images_per_batch * batches / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faces", type=int, default=1024, help="fixture faces (default: 1024)")
    parser.add_argument("--batch-size", type=int, default=64, help="images per domain per batch (default: 64)")
    parser.add_argument("--batches", type=int, default=30, help="timed batches (default: 30)")
    args = parser.parse_args()

    import tensorflow as tf

    from Data.celeba import CROP, load_faces, prepare_celeba
    from Data.image_sources import EncodedSource, cache_if_fits
    from Data.pipeline import batched_stream

    with tempfile.TemporaryDirectory() as tmp:
        write_faces(Path(tmp) / "raw", args.faces)
        prepare_celeba(Path(tmp) / "raw", Path(tmp) / "tfds")
        table = load_faces(str(Path(tmp) / "tfds"))
        has = table.column("Smiling")
        print(f"{args.faces} fixture faces, {tf.config.threading.get_inter_op_parallelism_threads() or 'auto'} "
              f"inter-op threads, batch {args.batch_size}\n| source | stream | images/s |\n| --- | --- | --- |")
        for label, wrap in (("decoded on the fly", lambda s: s), ("decoded cache", cache_if_fits)):
            start = time.perf_counter()
            domains = [wrap(EncodedSource(table.encoded[mask], 128, CROP, True)) for mask in (~has, has)]
            if wrap is cache_if_fits:
                print(f"| {label} | filling the cache ({args.faces} faces) | "
                      f"{args.faces / (time.perf_counter() - start):.0f} |")
            streams = [batched_stream(d, args.batch_size, seed=i) for i, d in enumerate(domains)]
            print(f"| {label} | one domain | {images_per_second(streams[0], args.batch_size, args.batches):.0f} |")
            pair = tf.data.Dataset.zip(tuple(streams))
            print(f"| {label} | Smiling pair (both domains) | "
                  f"{images_per_second(pair, 2 * args.batch_size, args.batches):.0f} |")


if __name__ == "__main__":
    main()
