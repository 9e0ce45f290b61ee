"""Write files and directories so a crash mid-write never leaves a half-written result."""
import os
import shutil
from pathlib import Path


def replace_dir(tmp_dir, final_dir):
    """Move a finished tmp_dir to final_dir, replacing any previous one in the last moment."""
    final_dir, old = Path(final_dir), Path(str(final_dir) + ".old")
    if old.exists():
        shutil.rmtree(old)
    if final_dir.exists():
        os.replace(final_dir, old)
    os.replace(tmp_dir, final_dir)
    if old.exists():
        shutil.rmtree(old)


def write_text(path, text):
    tmp = Path(str(path) + ".tmp")
    tmp.write_text(text)
    os.replace(tmp, path)
