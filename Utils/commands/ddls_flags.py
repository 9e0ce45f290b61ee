"""The --ddls flags `sample` and `evaluate` share, and their checks before TensorFlow (see Trainers/ddls.py)."""
from Trainers.ddls import DDLS_LOSSES, NOISE_SCALE, STEP_SIZE, STEPS, DDLSSettings, check_run
from Utils.commands.flags import check_range
from Utils.errors import ConfigError

TUNING = ("ddls_steps", "ddls_step_size", "ddls_noise")


def add_ddls_flags(parser):
    g = parser.add_argument_group(
        "discriminator-driven latent sampling (Che et al. 2020)",
        "move each z by Langevin dynamics on E(z) = -log p0(z) - sum of the discriminators' logits of G(z) before "
        f"generating; a run directory trained with --loss {', '.join(DDLS_LOSSES)} only")
    g.add_argument("--ddls", action="store_true", help="also generate from DDLS-moved z and report both")
    g.add_argument("--ddls-steps", type=int, default=None, metavar="N",
                   help=f"Langevin steps (default: {STEPS}, Che et al.'s chains)")
    g.add_argument("--ddls-step-size", type=float, default=None, metavar="EPS",
                   help=f"step size eps: z <- z - eps/2 grad E + T sqrt(eps) noise (default: {STEP_SIZE}, Che et al.)")
    g.add_argument("--ddls-noise", type=float, default=None, metavar="T",
                   help=f"noise scale T; 1 is exact Langevin (noise std sqrt(eps)), 0 gradient descent on E "
                        f"(default: {NOISE_SCALE:g})")


def resolve_ddls(args, seed=0):
    """args.ddls becomes the DDLSSettings (chains' noise seeded by `seed`) or None; a bad value, a tuning flag
    without --ddls, or a source DDLS cannot use exits 2."""
    given = [name for name in TUNING if getattr(args, name) is not None]
    if not args.ddls:
        if given:
            raise ConfigError(f"--{given[0].replace('_', '-')} is used only with --ddls")
        args.ddls = None
        return
    steps = STEPS if args.ddls_steps is None else args.ddls_steps
    step_size = STEP_SIZE if args.ddls_step_size is None else args.ddls_step_size
    noise = NOISE_SCALE if args.ddls_noise is None else args.ddls_noise
    check_range("ddls-steps", steps, 0)
    if not step_size > 0:
        raise ConfigError(f"--ddls-step-size must be positive, got {step_size}")
    check_range("ddls-noise", noise, 0)
    check_run(args.source)
    args.ddls = DDLSSettings(steps=steps, step_size=step_size, noise_scale=noise, seed=seed)
