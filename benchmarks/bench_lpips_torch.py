"""Reference figures from the official PyTorch `lpips` package, for comparison with bench_lpips.py.

Needs torch (`pip install torch==2.13.0`) besides the weight packages. torchvision is not needed: a stand-in
`torchvision.models` builds the AlexNet / VGG16 `features` layouts with the same trunk weights the Keras
port uses, so both sides compute the same function. Prints the official distances on the reference
images, the largest difference to the Keras port on random inputs, and the official pairs/s.
"""
import argparse
import statistics
import sys
import time
import types
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from Nets.pretrained import package_trunk_weights  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "lpips"
VGG16_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]


def _alexnet_features():
    return nn.Sequential(
        nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2),
        nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(inplace=True),
        nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2))


def _vgg16_features():
    layers, channels = [], 3
    for v in VGG16_CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            layers += [nn.Conv2d(channels, v, 3, padding=1), nn.ReLU(inplace=True)]
            channels = v
    return nn.Sequential(*layers)


def _install_torchvision_stand_in():
    """`torchvision.models.alexnet/vgg16(pretrained=...)` returning trunks with the package weights."""
    def factory(net, build):
        def make(pretrained=False, **_):
            features = build()
            state = {k[len("features."):]: torch.from_numpy(v) for k, v in package_trunk_weights(net).items()}
            features.load_state_dict(state)
            return types.SimpleNamespace(features=features)
        return make

    models = types.ModuleType("torchvision.models")
    models.alexnet, models.vgg16 = factory("alex", _alexnet_features), factory("vgg", _vgg16_features)
    torchvision = types.ModuleType("torchvision")
    torchvision.models = models
    sys.modules.update({"torchvision": torchvision, "torchvision.models": models})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", nargs="+", default=["alex", "vgg"], help="nets (default: alex vgg)")
    parser.add_argument("--sizes", nargs="+", type=int, default=[32, 64], help="image sides (default: 32 64)")
    parser.add_argument("--batch-size", type=int, default=256, help="pairs per call (default: 256)")
    parser.add_argument("--repeats", type=int, default=3, help="timed calls per cell (default: 3)")
    args = parser.parse_args()
    _install_torchvision_stand_in()
    import lpips
    from PIL import Image

    from Nets.lpips import load_lpips

    torch.set_num_threads(2)
    load = lambda n: torch.from_numpy(np.asarray(Image.open(SHARED / n).convert("RGB"), np.float32) / 127.5 - 1)
    ref, p0, p1 = (load(n).permute(2, 0, 1)[None] for n in ("ex_ref.png", "ex_p0.png", "ex_p1.png"))
    rng = np.random.default_rng(0)
    for net in args.nets:
        official = lpips.LPIPS(net=net, pnet_rand=True, verbose=False).eval()
        with torch.inference_mode():
            d0, d1 = official(ref, p0).item(), official(ref, p1).item()
            x, y = (rng.uniform(-1, 1, (16, 64, 64, 3)).astype(np.float32) for _ in range(2))
            theirs = official(torch.from_numpy(x).permute(0, 3, 1, 2), torch.from_numpy(y).permute(0, 3, 1, 2))
            gap = np.abs(theirs.flatten().numpy() - load_lpips(net).distance(x, y).numpy()).max()
            print(f"{net}: official d(ref,p0)={d0:.6f} d(ref,p1)={d1:.6f}; max |official - keras| = {gap:.2e}")
            for size in args.sizes:
                a, b = (torch.from_numpy(rng.uniform(-1, 1, (args.batch_size, 3, size, size)).astype(np.float32))
                        for _ in range(2))
                official(a, b)
                times = []
                for _ in range(args.repeats):
                    start = time.perf_counter()
                    official(a, b)
                    times.append(time.perf_counter() - start)
                rate = args.batch_size / statistics.median(times)
                print(f"| torch {net} | {size}x{size} | {args.batch_size} | {rate:.1f} |", flush=True)


if __name__ == "__main__":
    main()
