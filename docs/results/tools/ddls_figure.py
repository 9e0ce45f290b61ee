"""The figure of docs/results/ddls-mnist.md: each model's plain sample grid beside its DDLS grid (from `sample --ddls`).

    python docs/results/tools/ddls_figure.py --grid LABEL=STEM ... --out FIG.png   # STEM.png and STEM_ddls.png
"""
import argparse

from PIL import Image, ImageDraw


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", action="append", required=True, help="LABEL=STEM of `sample --ddls --out STEM`")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    rows = [(label, Image.open(f"{stem}.png").convert("RGB"), Image.open(f"{stem}_ddls.png").convert("RGB"))
            for label, stem in (spec.rsplit("=", 1) for spec in args.grid)]
    gap, width = 30, max(plain.width for _, plain, _ in rows)
    canvas = Image.new("RGB", (2 * width + gap, 18 + sum(plain.height + 20 for _, plain, _ in rows)), "white")
    draw = ImageDraw.Draw(canvas)
    draw.text((4, 2), "plain", fill="black")
    draw.text((width + gap + 4, 2), "DDLS, from the same z", fill="black")
    y = 18
    for label, plain, moved in rows:
        draw.text((4, y + 2), label, fill="black")
        canvas.paste(plain, (0, y + 16))
        canvas.paste(moved, (width + gap, y + 16))
        y += plain.height + 20
    canvas.save(args.out)
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
