"""The 2D ring of Gaussians (thesis Fig. 2.9), its mode count, and a GAN on it through the one training loop."""
import numpy as np
from PIL import Image

from Data.ring import N_MODES, PointSource, count_modes, ring_centres, ring_points
from Trainers.loop import train


def test_ring_has_5100_points_in_10_equal_modes():
    points = ring_points(seed=0)
    assert points.shape == (5100, 2) and points.dtype == np.float32
    nearest = np.argmin(np.linalg.norm(points[:, None] - ring_centres()[None], axis=-1), axis=1)
    assert np.bincount(nearest).tolist() == [510] * N_MODES
    assert np.allclose(np.linalg.norm(ring_centres(), axis=1), 3.0)
    assert count_modes(points) == N_MODES
    assert not np.array_equal(points, ring_points(seed=1))


def test_mode_count_sees_collapse_and_ignores_smears():
    points = ring_points(seed=0)
    collapsed = points[np.isin(np.arange(len(points)) // 510, [2, 7, 8])]
    assert count_modes(collapsed) == 3
    assert count_modes(np.concatenate([collapsed, points[:50]])) == 3  # 1% of the points is no mode
    angles = np.random.default_rng(0).uniform(0, 2 * np.pi, 5100)
    assert count_modes(3.0 * np.stack([np.cos(angles), np.sin(angles)], 1)) == 0  # a uniform ring covers no mode


def test_point_source_serves_points_by_index():
    source = PointSource(ring_points(seed=0))
    assert source.size == 5100 and source.image_shape == (2,)
    assert np.array_equal(source.element(3).numpy(), source.points[3])


def test_gan_on_the_ring_runs_through_the_training_loop(make_config, tmp_path):
    cfg = make_config(model="gan", dataset="ring", arch="mlp", image_size=None, width=1 / 8, batch_size=16,
                      iterations=6, sample_every=3, sample_count=100, checkpoint_every=6, disc_norm="spectral",
                      n_critic=2, loss="wasserstein", penalty="gp", out=str(tmp_path / "run"))
    train(cfg)
    plots = sorted((tmp_path / "run" / "samples").glob("step_*.png"))
    assert [p.name for p in plots] == ["step_0000003.png", "step_0000006.png"]
    assert np.asarray(Image.open(plots[-1])).shape[2] == 3
    assert (tmp_path / "run" / "export" / "generator_1" / "saved_model.pb").is_file()
    assert "d1_gp" in (tmp_path / "run" / "metrics.csv").read_text().splitlines()[0]


def test_train_chooses_the_mlp_for_the_ring(tmp_path):
    from Utils.commands import build_parser

    args = build_parser().parse_args(["train", "--model", "gan", "--dataset", "ring", "--out", str(tmp_path / "r")])
    cfg = args.resolve(args)
    assert (cfg.arch, cfg.image_size, cfg.disc_norm) == ("mlp", None, "none")
