"""What the results figures share: strips of images stacked on a white canvas, each labelled on its left."""
import numpy as np
from PIL import Image, ImageDraw


def spacer(height, width):
    return np.full((height, width, 3), 255, np.uint8)


def labelled_rows(rows, out, label_width=110, gap=4, title=None):
    """Save [(label, uint8 [H, W, 3] strip)] one under another to `out`, the label left of each strip; `title`, if
    given, is a line of text above them all."""
    top = 18 if title else 0
    width = label_width + max(strip.shape[1] for _, strip in rows)
    canvas = Image.new("RGB", (width, top + sum(strip.shape[0] + gap for _, strip in rows)), "white")
    draw, y = ImageDraw.Draw(canvas), top
    if title:
        draw.text((label_width, 2), title, fill="black")
    for label, strip in rows:
        canvas.paste(Image.fromarray(strip), (label_width, y))
        draw.multiline_text((4, y + 2), label, fill="black", spacing=2)
        y += strip.shape[0] + gap
    canvas.save(out)
    print(f"Wrote {out}")
