"""Which datasets exist and what they need; plain Python so the CLI can validate without TensorFlow."""
from dataclasses import dataclass
import os
from pathlib import Path
from typing import Optional


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset name: where its images come from and how domain 2 is made."""

    source: str  # "mnist" (tfds), "digits" (scikit-learn, embedded) or "folder" (local files)
    n_domains: int
    transform: Optional[str] = None  # transform applied to the second half for digit pairs

    @property
    def needs_tfds(self) -> bool:
        return self.source == "mnist"


TRANSFORMS = ("edge", "negative", "rotate")

DATASETS = {"mnist": DatasetSpec("mnist", 1), "digits": DatasetSpec("digits", 1)}
for _t in TRANSFORMS:
    DATASETS[f"mnist2{_t}"] = DatasetSpec("mnist", 2, _t)
    DATASETS[f"digits2{_t}"] = DatasetSpec("digits", 2, _t)
DATASETS["folder"] = DatasetSpec("folder", 0)  # 1 or 2 domains: one per --folder path

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def default_data_dir() -> str:
    """Where tensorflow-datasets keeps prepared data unless --data-dir says otherwise."""
    return os.environ.get("TFDS_DATA_DIR", str(Path.home() / "tensorflow_datasets"))


def tfds_prepared(name: str, data_dir: str) -> bool:
    """True when `prepare-data` (or a tfds download) has built `name` under data_dir."""
    return any(Path(data_dir, name).glob("*/dataset_info.json"))


def prepare_hint(name: str, data_dir: str) -> str:
    return (
        f"the tensorflow-datasets '{name}' dataset is not prepared in {data_dir} and this machine "
        f"cannot download it. Prepare it from the original files with:\n"
        f"    python main.py prepare-data {name} --from DIR --data-dir {data_dir}\n"
        f"where DIR holds train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        f"t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz "
        f"(or use the embedded offline digits datasets: --dataset digits2edge)."
    )


def list_images(folder: str) -> list:
    """Image files directly inside `folder`, sorted so runs are reproducible."""
    return sorted(
        str(p) for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()
    )
