"""Reproducing the thesis's tables and figures: `targets` says what each is (runs, classifiers, protocol, the
thesis's numbers), `plan` what is left to do under --out, `execute` does it and `report` writes OUT/<target>.md."""
