"""`curves`: several runs' measure on one plot and one table, with the x axis in generator iterations,
discriminator steps or real images."""
import pytest

from conftest import tiny_config
from Trainers.config import save
from Utils.commands import main


def _run(root, name, n_critic, fid):
    """A run directory whose metrics.csv logged fid_1 at every other row (the loss rows in between)."""
    run = root / name
    run.mkdir()
    save(tiny_config(model="gan", dataset="digits", n_critic=n_critic, batch_size=8), run)
    rows = ["step,d1_loss,fid_1"]
    for i, value in enumerate(fid):
        rows += [f"{20 * i + 10},0.5,", f"{20 * i + 20},0.4,{value}"]
    (run / "metrics.csv").write_text("\n".join(rows) + "\n")
    return run


def test_the_table_gives_first_last_and_best_at_the_chosen_x(tmp_path, capsys):
    one = _run(tmp_path, "one", 1, [90.0, 40.0, 50.0])
    five = _run(tmp_path, "five", 5, [80.0, 70.0, 60.0])
    out = tmp_path / "fid.png"
    assert main(["curves", str(one), str(five), "--label", "n=1", "--label", "n=5", "--x", "images",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    # images = generator iteration x n_critic x batch 8; FID is best when lowest
    assert "| n=1 | 90.00 at 160 | 50.00 at 480 | 40.00 at 320 |" in printed
    assert "| n=5 | 80.00 at 800 | 60.00 at 2,400 | 60.00 at 2,400 |" in printed
    assert out.stat().st_size > 0
    assert main(["curves", str(five), "--x", "discriminator-steps", "--out", str(out)]) == 0
    assert "| five | 80.00 at 100 |" in capsys.readouterr().out


@pytest.mark.parametrize("extra, message", [
    (["--measure", "pair_agreement"], "has no pair_agreement values; train with --eval-every"),
    (["--label", "a", "--label", "b"], "--label was given 2 time(s) for 1 runs"),
])
def test_bad_input_exits_2_naming_the_fix(tmp_path, capsys, extra, message):
    run = _run(tmp_path, "run", 1, [10.0])
    with pytest.raises(SystemExit) as exc:
        main(["curves", str(run), "--out", str(tmp_path / "x.png"), *extra])
    assert exc.value.code == 2 and message in capsys.readouterr().err
