"""Which datasets exist and what they need; plain Python so the CLI can validate without TensorFlow."""
from dataclasses import dataclass
import hashlib
import os
from pathlib import Path
from typing import Optional, Tuple


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset name: where its images come from, how its domains are made and what must be prepared."""

    source: str  # mnist, digits, folder, svhn, mnist2svhn, celeba, cyclegan or ring: the loader in Data.domains
    n_domains: int
    transform: Optional[str] = None  # transform applied to the second half for digit pairs
    sizes: Optional[Tuple[int, ...]] = (32,)  # image sides it can be loaded at, its default first; None: 2D points
    needs: Tuple[str, ...] = ()  # prepared data it reads: mnist, svhn, celeba or cycle_gan/<set>
    pruned: bool = False  # SVHN without the images a digit classifier is unsure of (thesis section 2.7)

    @property
    def needs_tfds(self) -> bool:
        return self.source == "mnist"


TRANSFORMS = ("edge", "negative", "rotate")
# The sets tensorflow-datasets offers as cycle_gan/<set>; domain 1 is trainA, domain 2 trainB.
CYCLEGAN_SETS = ("apple2orange", "summer2winter_yosemite", "horse2zebra", "monet2photo", "cezanne2photo",
                 "ukiyoe2photo", "vangogh2photo", "maps", "facades", "iphone2dslr_flower")
# The 40 attributes of list_attr_celeba.txt, in the file's column order.
CELEBA_ATTRIBUTE_NAMES = (
    "5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair "
    "Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup "
    "High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose "
    "Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat "
    "Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young").split()

DATASETS = {"mnist": DatasetSpec("mnist", 1, needs=("mnist",)), "digits": DatasetSpec("digits", 1)}
for _t in TRANSFORMS:
    DATASETS[f"mnist2{_t}"] = DatasetSpec("mnist", 2, _t, needs=("mnist",))
    DATASETS[f"digits2{_t}"] = DatasetSpec("digits", 2, _t)
# 1 or 2 domains: one per --folder path; 64 and 96 for the DCGAN nets (96: face folders such as anime faces)
DATASETS["folder"] = DatasetSpec("folder", 0, sizes=(32, 64, 96, 128, 256))
DATASETS["svhn"] = DatasetSpec("svhn", 1, needs=("svhn",))
DATASETS["svhn_pruned"] = DatasetSpec("svhn", 1, needs=("svhn",), pruned=True)
DATASETS["mnist2svhn"] = DatasetSpec("mnist2svhn", 2, needs=("mnist", "svhn"))
DATASETS["mnist2svhn_pruned"] = DatasetSpec("mnist2svhn", 2, needs=("mnist", "svhn"), pruned=True)
DATASETS["celeba"] = DatasetSpec("celeba", 1, sizes=(128, 32), needs=("celeba",))
DATASETS["celeba2attribute"] = DatasetSpec("celeba", 2, sizes=(128, 32), needs=("celeba",))  # without vs with
for _set in CYCLEGAN_SETS:
    DATASETS[_set] = DatasetSpec("cyclegan", 2, sizes=(256, 128, 32), needs=(f"cycle_gan/{_set}",))
DATASETS["ring"] = DatasetSpec("ring", 1, sizes=None)  # thesis section 2.3.2: 2D points, not images

# Image files every tool lists (folder datasets, evaluate, lpips): the formats tf.io.decode_image reads in every
# supported TensorFlow, so a file a folder listing finds is one training can decode (PIL alone reads more).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def default_data_dir() -> str:
    """Where tensorflow-datasets keeps prepared data unless --data-dir says otherwise."""
    return os.environ.get("TFDS_DATA_DIR", str(Path.home() / "tensorflow_datasets"))


def tfds_prepared(name: str, data_dir: str) -> bool:
    """True when `prepare-data` (or a tfds download) has built `name` under data_dir."""
    return any(Path(data_dir, name).glob("*/dataset_info.json"))


LOCAL_STORE = "scogan"  # under --data-dir, beside tensorflow-datasets' folders: data prepare-data built itself
PREPARED_MARKER = "prepared.json"  # written last, so a half-finished prepare-data never counts
TFDS_NAMES = {"svhn": "svhn_cropped", "celeba": "celeb_a"}  # the others: tfds uses the same name
PRUNE_THRESHOLD = 0.40  # thesis section 2.7: drop SVHN images whose highest class probability is <= 0.40
_DOWNLOADS = {  # need: (title, prepare-data name, what to download, what DIR must hold)
    "svhn": ("SVHN", "svhn", "train_32x32.mat (SVHN format 2, cropped digits: http://ufldl.stanford.edu/housenumbers/)",
             "train_32x32.mat"),
    "celeba": ("CelebA", "celeba", "img_align_celeba.zip, list_attr_celeba.txt and list_eval_partition.txt "
               "(https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html)",
               "the unzipped img_align_celeba/ folder, list_attr_celeba.txt and list_eval_partition.txt"),
}
for _set in CYCLEGAN_SETS:
    _DOWNLOADS[f"cycle_gan/{_set}"] = (f"The CycleGAN set {_set}", _set,
                                       f"https://efrosgans.eecs.berkeley.edu/cyclegan/datasets/{_set}.zip",
                                       "trainA/ and trainB/ from the unzipped archive")


def local_store(need: str, data_dir: str) -> Path:
    """Where prepare-data keeps `need` built from the published files (our format, not a tfds dataset)."""
    return Path(data_dir, LOCAL_STORE, need)


def prepared(need: str, data_dir: str) -> Optional[str]:
    """"tfds" or "local" (tensorflow-datasets first), or None when `need` is not prepared in data_dir."""
    if tfds_prepared(TFDS_NAMES.get(need, need), data_dir):
        return "tfds"
    if (local_store(need, data_dir) / PREPARED_MARKER).is_file():
        return "local"
    return None


def prepare_hint(name: str, data_dir: str) -> str:
    """What to download by hand and the prepare-data command that builds `name` (a `needs` entry) offline."""
    if name == "mnist":
        return (
            f"the tensorflow-datasets '{name}' dataset is not prepared in {data_dir} and this machine "
            f"cannot download it. Prepare it from the original files with:\n"
            f"    python main.py prepare-data {name} --from DIR --data-dir {data_dir}\n"
            f"where DIR holds train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
            f"t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz "
            f"(or use the embedded offline digits datasets: --dataset digits2edge)."
        )
    title, command, download, layout = _DOWNLOADS[name]
    return (
        f"{title} is not prepared in {data_dir} and this machine cannot download it. Download {download} "
        f"on a machine with network, copy it here and build it with:\n"
        f"    python main.py prepare-data {command} --from DIR --data-dir {data_dir}\n"
        f"where DIR holds {layout}. A tensorflow-datasets '{TFDS_NAMES.get(name, name)}' dataset in {data_dir} "
        f"is used instead when present."
    )


def pruned_indices_path(data_dir: str, classifier: str) -> Path:
    """The cached indices of the SVHN images `classifier` keeps, named by a hash of the classifier file."""
    digest = hashlib.sha256(Path(classifier).read_bytes()).hexdigest()[:16]
    return local_store("svhn", data_dir) / "pruned" / f"{digest}.npz"


def unprepared(name: str, data_dir: str, svhn_classifier: Optional[str] = None) -> Optional[str]:
    """None when dataset `name` can be loaded from data_dir, else the files to download and the command to run."""
    spec = DATASETS[name]
    for need in spec.needs:
        if prepared(need, data_dir) is None:
            return prepare_hint(need, data_dir)
    if spec.pruned and not pruned_indices_path(data_dir, svhn_classifier).is_file():
        return (f"SVHN has not been pruned with the classifier {svhn_classifier} in {data_dir}; compute and cache "
                f"the kept images once with:\n"
                f"    python main.py prepare-data svhn_pruned --classifier {svhn_classifier} --data-dir {data_dir}")
    return None


def list_images(folder: str) -> list:
    """Image files directly inside `folder`, sorted so runs are reproducible."""
    return sorted(
        str(p) for p in Path(folder).iterdir() if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()
    )
