"""The 2D ring of Gaussians (thesis Fig. 2.9), its mode count, and a GAN on it through the one training loop."""
import numpy as np
from PIL import Image

from Data.ring import (N_MODES, NEARBY, STD, PointSource, count_modes, high_quality_share, mode_shares, ring_centres,
                       ring_points)
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


def test_a_mode_is_3_standard_deviations_wide_and_a_spread_generator_covers_none():
    assert NEARBY == 3 * STD
    real = ring_points(seed=0)
    # 1 - exp(-9/2) = 98.9% of a 2D isotropic Gaussian lies within 3 standard deviations of its mean
    assert abs(high_quality_share(real) - (1 - np.exp(-4.5))) < 0.01
    assert np.allclose(mode_shares(real), 0.1 * high_quality_share(real), atol=0.005)
    # points around every centre but 3 times as spread as the data: only 1 - exp(-1/2) = 39% lie on a mode, each
    # mode holds 3.9% < 5% of them, so none counts as covered although every mode is surrounded
    centres = np.repeat(ring_centres(), 510, axis=0)
    spread = centres + np.random.default_rng(1).normal(0.0, 3 * STD, centres.shape)
    assert abs(high_quality_share(spread) - (1 - np.exp(-0.5))) < 0.02
    assert count_modes(spread) == 0 and count_modes(spread, nearby=10 * STD) == N_MODES


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
    assert [p.name for p in plots] == ["step_0000001.png", "step_0000003.png", "step_0000006.png"]
    assert np.asarray(Image.open(plots[-1])).shape[2] == 3
    assert (tmp_path / "run" / "export" / "generator_1" / "saved_model.pb").is_file()
    assert "d1_gp" in (tmp_path / "run" / "metrics.csv").read_text().splitlines()[0]
    table = (tmp_path / "run" / "samples" / "modes.csv").read_text().splitlines()
    assert table[0].split(",")[:3] == ["step", "modes", "on_mode_share"] and len(table[0].split(",")) == 3 + N_MODES
    assert [row.split(",")[0] for row in table[1:]] == ["1", "3", "6"]
    for row in table[1:]:
        values = [float(v) for v in row.split(",")]
        assert 0 <= values[1] <= N_MODES and abs(values[2] - sum(values[3:])) < 1e-3


def test_sample_writes_a_scatter_plot_and_the_points_of_a_ring_run(make_config, tmp_path):
    from Utils.commands import main

    run = tmp_path / "run"
    train(make_config(model="gan", dataset="ring", arch="mlp", image_size=None, width=1 / 8, batch_size=16,
                      iterations=2, sample_every=2, sample_count=10, checkpoint_every=2, disc_norm="none",
                      out=str(run)))
    z = np.random.default_rng(0).uniform(-1, 1, (300, 100)).astype(np.float32)
    np.save(tmp_path / "z.npy", z)
    assert main(["sample", str(run), "--z", str(tmp_path / "z.npy"), "--out", str(tmp_path / "from_run")]) == 0
    assert main(["sample", str(run / "export" / "generator_1"), "--z", str(tmp_path / "z.npy"),
                 "--out", str(tmp_path / "from_savedmodel")]) == 0
    from_run, from_savedmodel = np.load(tmp_path / "from_run.npz"), np.load(tmp_path / "from_savedmodel.npz")
    assert sorted(from_run.files) == ["points_1", "z"] and np.array_equal(from_run["z"], z)
    assert from_run["points_1"].shape == (300, 2) and np.isfinite(from_run["points_1"]).all()
    assert len(np.unique(from_run["points_1"], axis=0)) > 1  # distinct latent vectors, distinct points
    # the checkpoint and the exported generator are the same net
    np.testing.assert_allclose(from_run["points_1"], from_savedmodel["points_1"], atol=1e-5)
    for stem in ("from_run", "from_savedmodel"):
        plot = np.asarray(Image.open(tmp_path / f"{stem}.png"))
        assert plot.ndim == 3 and plot.shape[2] == 3 and plot.shape[0] >= 300  # a 400x400 figure, not a 1-pixel grid
    # fresh latent vectors: 2,000 points by default, the run's noise
    assert main(["sample", str(run)]) == 0
    assert np.load(run / "samples" / "sample.npz")["points_1"].shape == (2000, 2)
    assert (run / "samples" / "sample.png").is_file()


def test_train_chooses_the_mlp_for_the_ring(tmp_path):
    from Utils.commands import build_parser

    args = build_parser().parse_args(["train", "--model", "gan", "--dataset", "ring", "--out", str(tmp_path / "r")])
    cfg = args.resolve(args).config
    assert (cfg.model.arch, cfg.data.image_size, cfg.model.disc_norm) == ("mlp", None, "none")
