"""Scatter plots of generated over real 2D points, as RGB arrays: the toy experiment's sample grids."""
import numpy as np


def scatter_image(real, fake, title, limit=4.0):
    """[H, W, 3] uint8: real points grey (none when `real` is None), generated points red, both axes from -limit
    to limit."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(4, 4), dpi=100)
    if real is not None:
        axes.scatter(real[:, 0], real[:, 1], s=2, c="0.6", label="real")
    axes.scatter(fake[:, 0], fake[:, 1], s=2, c="tab:red", label="generated")
    axes.set(xlim=(-limit, limit), ylim=(-limit, limit), aspect="equal")
    axes.set_title(title, fontsize="small")
    axes.legend(loc="upper right", fontsize="small", markerscale=4)
    figure.tight_layout()
    figure.canvas.draw()
    image = np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()
    plt.close(figure)
    return image
