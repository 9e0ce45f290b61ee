"""What `reproduce TARGET` reproduces: each thesis table or figure as its runs (presets), the classifiers they need,
the thesis's evaluation protocol (pairs, baseline) and the thesis's numbers in the thesis's layout.

Line numbers (T123) are lines of the thesis text (the seed document 004); every number below was checked there.
Plain data, no TensorFlow: `reproduce --list` and `--dry-run` read it on any machine.
"""
from dataclasses import dataclass
from typing import Optional, Tuple, Union

# The thesis's three LPIPS rows of Chapter 5 (T984-T986), as Utils/evaluation.py names them.
G1_G2, G1_R1, G2_R2 = "generated_1_vs_generated_2", "generated_1_vs_real_1", "generated_2_vs_real_2"
# Tables 3.3-3.8 also compare each generator with the other domain (Trainers/measurement.py CROSS_ROWS).
G1_R2, G2_R1 = "generated_1_vs_real_2", "generated_2_vs_real_1"
BASELINE = "real_1_vs_real_2"
# The ring's measures (Data/ring.py): covered modes of 10, and the share of points within 3 s.d. of a mode.
MODES, ON_MODE = "modes", "on_mode_share"


@dataclass(frozen=True)
class ClassifierSpec:
    """A Table B.1 digit classifier a target trains once into OUT/classifiers/<name>.keras."""

    name: str
    dataset: str  # a digit dataset (as train-classifier), or "svhn" / "mnist+svhn"
    domains: str  # "1", "2" or "both" of a digit pair
    purpose: str  # what it is for and where the thesis says so
    epochs: int = 10  # T1020, T1069


@dataclass(frozen=True)
class Run:
    """One configuration of a target: a preset trained into OUT/<name> (OUT/<name>-seed<k> for further seeds)."""

    name: str
    preset: str  # a shipped preset's name or a .toml file
    pairs: Optional[int] = None  # LPIPS pairs of the thesis's protocol; None: no LPIPS (the ring's points)
    baseline: Optional[float] = None  # the thesis's real-vs-real LPIPS for the data
    semantic_classifier: Optional[ClassifierSpec] = None  # given to the run as --classifier
    eval_classifier: Optional[ClassifierSpec] = None  # our pair agreement etc. (evaluate --classifier)
    cross: bool = False  # also G1 vs real domain 2 and G2 vs real domain 1 (Tables 3.3-3.8)
    unsupported: Optional[str] = None  # why scogan cannot run it yet; the table says so


Number = Union[float, int, str, None]  # a thesis value; a string where the thesis states it in words


@dataclass(frozen=True)
class Cell:
    run: str  # Run.name
    measure: str  # LPIPS row key, cross key, MODES or ON_MODE
    thesis: Number = None


@dataclass(frozen=True)
class Table:
    corner: str  # the header of the label column
    columns: Tuple[str, ...]
    rows: Tuple[Tuple[str, Tuple[Cell, ...]], ...]  # (label, one cell per column)


@dataclass(frozen=True)
class Target:
    name: str
    title: str
    source: str  # where in the thesis
    runs: Tuple[Run, ...]
    table: Table
    figure: str  # the thesis's figure(s) of these runs and their panels
    notes: str = ""


# ---- classifiers (Appendix B) ------------------------------------------------------------------------------------
MNIST_SL = ClassifierSpec("mnist", "mnist", "1", "the semantic loss of Table 5.1: Table B.1 on the standard MNIST, "
                                                 "10 epochs (T1020)")
MIXED = ClassifierSpec("mnist+svhn", "mnist+svhn", "both", "the semantic loss of Tables 5.2/7.1 and our pair "
                                                           "measures on MNIST2SVHN: Table B.1 on MNIST and SVHN mixed, "
                                                           "10 epochs (T1069)")
SVHN_PRUNING = ClassifierSpec("svhn", "svhn", "1", "pruning SVHN of the images it is unsure of (T546): Table B.1 "
                                                   "on SVHN (the thesis: \"details found in chapter 5\")")


def pair_classifier(dataset):
    """Our measuring instrument for a digit pair (not the thesis's): Table B.1 on both domains, for pair agreement
    and the pair confusion table's mutual information."""
    return ClassifierSpec(dataset, dataset, "both", f"our pair agreement and mutual information on {dataset}: "
                                                    f"Table B.1 on both domains")


# ---- table builders --------------------------------------------------------------------------------------------
def lpips_table(row_labels, columns):
    """Chapter 5's layout: the three LPIPS rows (G1 vs G2, G1 vs real 1, G2 vs real 2) by configuration.
    columns: (header, run name, the thesis's three values or None)."""
    rows = []
    for i, (label, measure) in enumerate(zip(row_labels, (G1_G2, G1_R1, G2_R2))):
        rows.append((label, tuple(Cell(run, measure, values[i] if values else None) for _, run, values in columns)))
    return Table("Configuration", tuple(header for header, _, _ in columns), tuple(rows))


def matrix_table(run, domains, values):
    """Tables 3.3-3.8: generated set (row) against real set (column) of one CoGAN."""
    (d1, d2), ((a, b), (c, d)) = domains, values
    return Table("Gen./Real", (f"Real {d1}", f"Real {d2}"),
                 ((f"Gen. {d1}", (Cell(run, G1_R1, a), Cell(run, G1_R2, b))),
                  (f"Gen. {d2}", (Cell(run, G2_R1, c), Cell(run, G2_R2, d)))))


def ring_table(run, modes):
    return Table("Measure", ("final",), (("modes covered, of 10", (Cell(run, MODES, modes),)),
                                         ("share of points on a mode", (Cell(run, ON_MODE, None),))))


# ---- the targets -------------------------------------------------------------------------------------------------
EDGE_ROWS = ("Gen. MNIST vs Gen. edge", "Gen. MNIST vs Real MNIST", "Gen. edge vs Real edge")
SVHN_ROWS = ("Gen. MNIST vs Gen. SVHN", "Gen. MNIST vs Real MNIST", "Gen. SVHN vs Real SVHN")
DIGIT_ROWS = ("Gen. domain 1 vs Gen. domain 2", "Gen. domain 1 vs Real domain 1", "Gen. domain 2 vs Real domain 2")
EDGE = dict(pairs=30000, baseline=0.1627, eval_classifier=pair_classifier("mnist2edge"))  # T998
MNIST2SVHN = dict(pairs=50000, baseline=0.3304, eval_classifier=MIXED)  # T1050, T1769
CELEBA = dict(pairs=50000, baseline=0.3955)  # T1109
NO_CELEBA_CLASSIFIER = ("needs the 13-attribute CelebA classifier of Table B.2 (T1105-T1107) for its semantic loss, "
                        "which scogan cannot train yet (no labelled CelebA stream for train_attribute_classifier)")


def _table_3(number, dataset, size, wgan, values, lines, figure):
    d1, d2 = {"horse2zebra": ("horses", "zebras"), "apple2orange": ("apples", "oranges")}[dataset]
    run = f"t{number}-cogan-{'wgangp-' if wgan else ''}{dataset}{size}"
    return Target(f"table-{number}", f"Table {number}: LPIPS of CoGAN{' with WGAN-GP' if wgan else ''} on "
                                     f"{dataset} at {size}x{size}, generated against real",
                  f"thesis section 3.3 ({lines}); 1,000 generated and 1,000 real images per set (T735)",
                  (Run(run, run, pairs=1000, cross=True),), matrix_table(run, (d1, d2), values), figure)


def _ring(figure, preset, modes, lines, title):
    return Target(f"fig-{figure}", f"Fig. {figure}: {title}", f"thesis section 2.3.2 ({lines})",
                  (Run(preset, preset),), ring_table(preset, modes),
                  f"Fig. {figure}: the generated distribution over training")


def _lpips_target(name, title, source, figure, columns, rows, protocol, notes=""):
    """A target in Chapter 5's layout: the three LPIPS rows by configuration, the thesis's number (or none) beside
    ours. protocol: run name -> the Run fields of its data and couplings (pairs, baseline, classifiers)."""
    runs = tuple(Run(run, run, **protocol(run)) for _, run, _ in columns)
    return Target(name, title, source, runs, lpips_table(rows, columns), figure, notes)


def _mnist_variant(run):
    dataset = run.rsplit("-", 1)[1]
    return dict(pairs=30000, eval_classifier=pair_classifier(dataset), baseline=EDGE["baseline"]
                if dataset == "mnist2edge" else None)


def _table_5_4(run):
    if "apple" in run:
        return dict(pairs=995, baseline=0.7013)  # T1160: the apple count (T584)
    return dict(pairs=1000, baseline=0.7062)  # T1160


def _all():
    targets = [
        _ring("2.10", "fig2.10-ring-k1", "10 (\"successfully learn this distribution\", T390)", "T372-T404",
              "the ring toy, a GAN with k = 1 learns all modes"),
        _ring("2.11", "fig2.11-ring-k5", 6, "T392-T404", "the ring toy with k = 5 collapses to 6 of 10 modes"),
        _ring("2.14", "fig2.14-ring-wgangp", "\"learned the shape\" at 3,000 iterations (T488)", "T479-T497",
              "the collapsing k = 5 configuration with WGAN-GP"),
        _lpips_target("fig-3.2", "Fig. 3.2: CoGAN on MNIST2edge, MNIST2negative and MNIST2rotate",
                      "thesis section 3.3 (T665-T706); the thesis reports no LPIPS for these runs",
                      "Fig. 3.2: CoGAN samples on the MNIST variants (T667, T706)",
                      (("edge", "fig3.2-cogan-mnist2edge", None), ("negative", "fig3.2-cogan-mnist2negative", None),
                       ("rotate", "fig3.2-cogan-mnist2rotate", None)), DIGIT_ROWS, _mnist_variant),
        _table_3("3.3", "horse2zebra", 256, False, ((0.7792, 0.8185), (0.7728, 0.7546)), "T733-T741",
                 "Fig. 3.5a (T735)"),
        _table_3("3.4", "apple2orange", 256, False, ((0.8388, 0.8693), (0.9005, 0.8944)), "T733-T747",
                 "Fig. 3.5b (T735)"),
        _table_3("3.5", "horse2zebra", 128, False, ((0.8906, 0.9594), (0.6923, 0.7024)), "T758-T770",
                 "Fig. 3.6a (T788)"),
        _table_3("3.6", "apple2orange", 128, False, ((0.7345, 0.7756), (0.7402, 0.7169)), "T758-T776",
                 "Fig. 3.7a (T796)"),
        _table_3("3.7", "horse2zebra", 128, True, ((0.6676, 0.7472), (0.7101, 0.6824)), "T778-T810",
                 "Fig. 3.6b (T790)"),
        _table_3("3.8", "apple2orange", 128, True, ((0.6931, 0.7414), (0.7069, 0.6968)), "T778-T816",
                 "Fig. 3.7b (T798)"),
        _lpips_target("fig-3.8", "Fig. 3.8: CoGAN on MNIST2SVHN sharing 4, 3, 2 and 1 generator layers",
                      "thesis section 3.3.2 (T784-T829); LPIPS of 50,000 generated pairs for 4 and 1 shared (T818)",
                      "Fig. 3.8 A-D: 4, 3, 2, 1 shared layers (T804, T829)",
                      tuple((f"{k} shared", f"fig3.8-cogan-mnist2svhn-shared{k}",
                             {4: (0.3541, None, None), 1: (0.3423, None, None)}.get(k)) for k in (4, 3, 2, 1)),
                      SVHN_ROWS, lambda run: MNIST2SVHN),
        _lpips_target("fig-4.2", "Fig. 4.2: SCoGAN without coupling and SCoGAN-FR on MNIST2edge, 4,000 iterations",
                      "thesis section 4.1 (T871-T894); the thesis reports no LPIPS for these runs",
                      "Fig. 4.2: a) SCoGAN, b) SCoGAN-FR, both at 4,000 iterations (T890-T894)",
                      (("SCoGAN", "fig4.2-scogan-mnist2edge", None),
                       ("SCoGAN-FR", "fig4.2-scogan-fr-mnist2edge", None)),
                      EDGE_ROWS, lambda run: EDGE),
        _lpips_target("fig-4.3", "Fig. 4.3: SCoGAN-FR on MNIST2SVHN, alpha 10 and 100",
                      "thesis section 4.1 (T882-T884, T905); the thesis reports no LPIPS for these runs",
                      "Fig. 4.3: a) alpha 10, b) alpha 100, with discriminator-loss plots (our RUN/losses.png)",
                      (("alpha 10", "fig4.3-scogan-fr10-mnist2svhn", None),
                       ("alpha 100", "fig4.3-scogan-fr100-mnist2svhn", None)), SVHN_ROWS, lambda run: MNIST2SVHN),
        _lpips_target("fig-4.4", "Fig. 4.4: SCoGAN-FR with WGAN-GP on MNIST2SVHN, K = 3 and K = 2",
                      "thesis section 4.1 (T886-T914); the thesis reports no LPIPS for these runs",
                      "Fig. 4.4: a) K = 3, b) K = 2 (T896, T914)",
                      (("K = 3", "fig4.4-scogan-fr-wgangp-k3-mnist2svhn", None),
                       ("K = 2", "fig4.4-scogan-fr-wgangp-k2-mnist2svhn", None)), SVHN_ROWS, lambda run: MNIST2SVHN),
        _lpips_target("table-5.1", "Table 5.1: LPIPS on MNIST2edge, CoGAN and SCoGAN-FR/SL/CC/PL",
                      "thesis section 5.1 (T994-T1036), Table 5.1 (T1010-T1015); 30,000 pairs, baseline 0.1627 (T998)",
                      "Fig. 5.1: CoGAN's lowest/highest pairs (our RUN/evaluation/extremes.png); Fig. 5.2: a) SL, "
                      "b) CC, c) PL (T1020-T1036)",
                      (("CoGAN", "t5.1-cogan", (0.1026, 0.1157, 0.1157)), ("FR", "t5.1-fr", (0.1227, 0.1217, 0.1429)),
                       ("SL", "t5.1-sl", (0.1039, 0.1141, 0.1100)), ("CC", "t5.1-cc", (0.1092, 0.1148, 0.1092)),
                       ("PL", "t5.1-pl", (0.1019, 0.1110, 0.1064))), EDGE_ROWS,
                      lambda run: dict(EDGE, semantic_classifier=MNIST_SL if run == "t5.1-sl" else None),
                      "The thesis repeats values (CoGAN 0.1157 in both generated-vs-real rows, CC 0.1092 in rows 1 "
                      "and 3): possibly transcription duplicates."),
        _lpips_target("table-5.2", "Table 5.2: LPIPS on MNIST2SVHN, CoGAN and SCoGAN-FR/SLFR/SLCC/FRCC/PL",
                      "thesis section 5.2 (T1048-T1097), Table 5.2 (T1060-T1065); 50,000 pairs, baseline 0.3304 "
                      "(T1050)",
                      "Fig. 5.3: SLFR's lowest/highest pairs; Fig. 5.4: a) SLFR, b) SLCC; Fig. 5.5: a) FRCC, b) PL "
                      "(T1052-T1097)",
                      (("CoGAN", "t5.2-cogan", (0.3400, 0.1126, 0.2151)), ("FR", "t5.2-fr", (0.2434, 0.1194, 0.1941)),
                       ("SLFR", "t5.2-slfr", (0.3016, 0.1162, 0.2046)), ("SLCC", "t5.2-slcc", (0.3093, 0.1153, 0.2083)),
                       ("FRCC", "t5.2-frcc", (0.3022, 0.1146, 0.2094)), ("PL", "t5.2-pl", (0.2948, 0.1120, 0.2117))),
                      SVHN_ROWS,
                      lambda run: dict(MNIST2SVHN, semantic_classifier=MIXED if run in ("t5.2-slfr", "t5.2-slcc")
                                       else None),
                      "T1050: a good model scores between 0.2434 and 0.3400 generated vs generated; T1086: FRCC "
                      "scores well but fails on inspection, which our pair agreement shows where LPIPS cannot."),
        _lpips_target("table-5.3", "Table 5.3: LPIPS on CelebSmiling, CoGAN and SCoGAN-SLFR/SLCC/PL",
                      "thesis section 5.3 (T1103-T1154), Table 5.3 (T1123-T1128); 50,000 pairs, baseline 0.3955 "
                      "(T1109)",
                      "Fig. 5.6: SLFR pairs at LPIPS 0.0437 (a) and 0.3988 (b); Fig. 5.7: a) SLFR, b) SLCC; Fig. "
                      "5.8a: PL (T1109-T1154). Domain 1 (top rows) is without the smile, as the thesis shows it "
                      "(T710, T1121)",
                      (("CoGAN", "t5.3-cogan", (0.0433, 0.3923, 0.3877)),
                       ("SLFR", "t5.3-slfr", (0.1294, 0.3875, 0.3921)), ("SLCC", "t5.3-slcc", (0.1708, 0.3879, 0.3881)),
                       ("PL", "t5.3-pl", (0.0857, 0.3907, 0.3962))),
                      ("Gen. No-smile vs Gen. Smile", "Gen. No-smile vs Real No-smile", "Gen. Smile vs Real Smile"),
                      lambda run: dict(CELEBA, unsupported=NO_CELEBA_CLASSIFIER if run in ("t5.3-slfr", "t5.3-slcc")
                                       else None)),
        _lpips_target("fig-5.8", "Fig. 5.8: SCoGAN-PL on CelebSmiling, CelebBlond and CelebEyeglasses",
                      "thesis section 5.3 (T1147-T1154); LPIPS reported for Smiling only (Table 5.3)",
                      "Fig. 5.8: PL on a) Smiling, b) Blond_Hair, c) Eyeglasses (T1154)",
                      (("Smiling", "t5.3-pl", (0.0857, 0.3907, 0.3962)), ("Blond", "fig5.8-pl-celebblond", None),
                       ("Eyeglasses", "fig5.8-pl-celebeyeglasses", None)), DIGIT_ROWS,
                      lambda run: dict(pairs=CELEBA["pairs"],
                                       baseline=CELEBA["baseline"] if run == "t5.3-pl" else None),
                      "The baseline 0.3955 (T1109) is CelebSmiling's; the other attributes' are not reported."),
        _lpips_target("table-5.4", "Table 5.4: LPIPS on apple2orange and horse2zebra at 128x128, CoGAN and SCoGAN-PL",
                      "thesis section 5.4 (T1160-T1185), Table 5.4 (T1162-T1167); 995 (a2o) and 1,000 (h2z) pairs, "
                      "baselines 0.7013 and 0.7062 (T1160)",
                      "Fig. 5.9: PL on a) horse2zebra, b) apple2orange; Figs. 5.10/5.11: PL's lowest/highest pairs "
                      "(T1171-T1185). Domain 1 is apples/horses (trainA)",
                      (("CoGAN(a2o)", "t5.4-cogan-apple2orange", (0.6081, 0.6939, 0.7021)),
                       ("PL(a2o)", "t5.4-pl-apple2orange", (0.5774, 0.7361, 0.7339)),
                       ("CoGAN(h2z)", "t5.4-cogan-horse2zebra", (0.6238, 0.6691, 0.6844)),
                       ("PL(h2z)", "t5.4-pl-horse2zebra", (0.6163, 0.6715, 0.6900))),
                      ("Gen. Domain1 vs Gen. Domain2", "Gen. Domain1 vs Real Domain1", "Gen. Domain2 vs Real Domain2"),
                      _table_5_4),
        _lpips_target("table-7.1", "Table 7.1: LPIPS of SCoGAN-SL on MNIST2SVHN",
                      "thesis section 7.5 (T1769-T1782), Table 7.1 (T1777-T1782); section 5.2's protocol",
                      "Fig. 7.2: SL on MNIST2SVHN (T1773)", (("SL", "t7.1-sl", (0.3018, 0.1140, 0.2053)),), SVHN_ROWS,
                      lambda run: dict(MNIST2SVHN, semantic_classifier=MIXED)),
    ]
    return {t.name: t for t in targets}


TARGETS = _all()
