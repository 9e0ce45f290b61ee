"""Names of the adversarial losses, importable without TensorFlow (for CLI validation)."""
ADVERSARIAL_LOSSES = ("non-saturating", "minimax", "wasserstein", "least-squares", "hinge")
