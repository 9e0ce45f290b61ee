"""Map architecture names to their block builders."""
from Nets import dcgan32

BUILDERS = {"dcgan32": (dcgan32.generator_blocks, dcgan32.discriminator_blocks)}
