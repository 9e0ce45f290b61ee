"""Image grids in the thesis layout and PNG writing."""
import numpy as np
from PIL import Image


def to_uint8(images):
    """[-1, 1] floats -> uint8 RGB."""
    return np.clip(np.round((np.asarray(images, np.float32) + 1.0) * 127.5), 0, 255).astype(np.uint8)


def tile(images, columns):
    """[N, H, W, C] -> one [rows*H, columns*W, C] image, row-major; N must fill whole rows."""
    n, h, w, c = images.shape
    rows = n // columns
    return images[: rows * columns].reshape(rows, columns, h, w, c).swapaxes(1, 2).reshape(rows * h, columns * w, c)


def pair_grid(domain_images, columns=8, gap=2):
    """Stack domains vertically: top rows domain 1, bottom rows domain 2; same column and row = same z."""
    blocks = [tile(to_uint8(images), columns) for images in domain_images]
    if len(blocks) == 1:
        return blocks[0]
    spacer = np.full((gap, blocks[0].shape[1], blocks[0].shape[2]), 255, np.uint8)
    out = [blocks[0]]
    for block in blocks[1:]:
        out += [spacer, block]
    return np.concatenate(out, axis=0)


def save_png(array, path):
    Image.fromarray(array).save(path)
