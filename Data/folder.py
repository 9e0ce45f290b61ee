"""Local image folders as domains, checked up front so a corrupt file fails before training."""
from PIL import Image, UnidentifiedImageError

from Data.catalog import IMAGE_EXTENSIONS, list_images
from Data.image_sources import EncodedSource, cache_if_fits
from Utils.errors import DataError


def verify_images(paths):
    """Raise DataError naming the first file that is not a readable image."""
    for path in paths:
        try:
            with Image.open(path) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise DataError(f"{path} is not a readable image ({exc}); remove or replace it") from exc


def folder_source(folder, size):
    """The images of `folder`, centre-cropped to a square and resized to size x size; decoded once and kept in
    memory when they fit."""
    paths = list_images(folder)
    if not paths:
        raise DataError(f"{folder} holds no images ({', '.join(IMAGE_EXTENSIONS)})")
    verify_images(paths)
    return cache_if_fits(EncodedSource(paths, size))
