"""Local image folders as domains, checked up front so a corrupt file fails before training."""
from PIL import Image, UnidentifiedImageError

from Data.catalog import list_images
from Utils.errors import DataError
from Data.sources import FileSource


def verify_images(paths):
    """Raise DataError naming the first file that is not a readable image."""
    for path in paths:
        try:
            with Image.open(path) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise DataError(f"{path} is not a readable image ({exc}); remove or replace it") from exc


def folder_source(folder, size):
    paths = list_images(folder)
    if not paths:
        raise DataError(f"{folder} holds no images (.png, .jpg, .jpeg, .bmp, .gif)")
    verify_images(paths)
    return FileSource(paths, size)
