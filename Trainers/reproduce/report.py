"""OUT/<target>.md: the thesis's table with our value beside each thesis number, each run's iterations and wall
time, our classifier measures and one sample figure per configuration.

`collect` reads what the runs left on disk into plain dicts; `render` turns those into markdown and is pure, so
the layout is tested on hand-made results.
"""
import json
import math
from pathlib import Path

from Trainers.reproduce.plan import FIGURE_PAIRS, RING_POINTS, read_state
from Trainers.reproduce.targets import BASELINE, MODES, ON_MODE

NOT_YET, NOT_RUN = "to do", "not run"


def collect(plan, not_run):
    """{run name: [one dict per seed]} of what is on disk for each run of the plan."""
    results = {}
    for job in plan.runs:
        state = NOT_RUN if job.label in not_run else job.state()
        record = {"label": job.label, "seed": job.seed, "preset": job.run.preset, "dataset": job.dataset,
                  "directory": str(job.directory), "state": state, "reason": not_run.get(job.label),
                  "iterations": job.iterations,
                  "thesis_iterations": job.thesis_iterations, "baseline": job.run.baseline,
                  "train_seconds": read_state(job.directory)["train_seconds"], "measures": {}, "classifier": None,
                  "eval_seconds": None, "figure": None}
        if state == "finished" and job.evaluated(plan.options):
            if job.points:
                modes = json.loads(job.evaluation.with_name("modes.json").read_text())
                record["measures"] = {MODES: {"mean": modes[MODES], "se": None},
                                      ON_MODE: {"mean": modes[ON_MODE], "se": None}}
            else:
                summary = json.loads(job.evaluation.read_text())
                record["measures"] = {**summary["lpips"], **summary.get("lpips_cross", {})}
                record["classifier"], record["eval_seconds"] = summary["classifier"], summary["seconds"]
        if state == "finished" and job.figure.is_file():
            record["figure"] = str(job.figure.relative_to(Path(plan.options.out)))
        results.setdefault(job.run.name, []).append(record)
    return results


def collect_classifiers(plan):
    """One dict per classifier of the plan: what it is for, the epochs planned and trained, held-out accuracy."""
    rows = []
    for job in plan.classifiers:
        record = job.record()  # the sidecar, read once
        rows.append({"name": job.spec.name, "purpose": job.spec.purpose, "planned_epochs": job.epochs,
                     "thesis_epochs": job.spec.epochs, "path": str(job.path),
                     **{k: record.get(k) for k in ("epochs", "held_out_accuracy", "seconds")}})
    return rows


def number(value):
    if isinstance(value, float):
        return f"{value:.4f}"
    return "—" if value is None else str(value)


def duration(seconds):
    if not seconds:
        return "—"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min {int(seconds % 60):02d} s"
    return f"{int(seconds // 3600)} h {int(seconds % 3600 // 60):02d} min"


def ours(records, measure):
    """Our value of `measure` over the seeds: mean ± within-run standard error, and with several seeds the
    standard deviation of the seeds' means; or what stands in its way."""
    values = [r["measures"][measure] for r in records if measure in r["measures"]]
    if not values:
        states = {r["state"] for r in records}
        return NOT_RUN if states == {NOT_RUN} else NOT_YET
    means = [v["mean"] for v in values]
    mean = sum(means) / len(means)
    ses = [v["se"] for v in values if v["se"] is not None]
    text = f"{mean:.4f}" if isinstance(means[0], float) or len(means) > 1 else str(means[0])
    if ses:
        text += f" ± {math.sqrt(sum(se * se for se in ses) / len(ses)):.4f}"
    if len(means) > 1:
        spread = math.sqrt(sum((m - mean) ** 2 for m in means) / (len(means) - 1))
        text += f" (s.d. {spread:.4f} over {len(means)} seeds)"
    elif len(records) > 1:
        text += f" (1 of {len(records)} seeds)"
    return text


def _table(target, results):
    header = [target.table.corner]
    for column in target.table.columns:
        header += [f"{column} thesis", f"{column} ours"]
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    for label, cells in target.table.rows:
        row = [label]
        for cell in cells:
            row += [number(cell.thesis), ours(results.get(cell.run, []), cell.measure)]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _baselines(target, results):
    """Real domain 1 vs real domain 2, per dataset: the thesis's number and ours. Every run of a dataset and seed
    measures the same real pairs, so each seed counts once."""
    lines, seen = [], set()
    for run in target.runs:
        records = results.get(run.name, [])
        if run.pairs is None or not records or records[0]["dataset"] in seen:
            continue
        dataset = records[0]["dataset"]
        seen.add(dataset)
        same, by_seed = [r for rs in results.values() for r in rs if r["dataset"] == dataset], {}
        for r in same:
            if BASELINE in r["measures"]:
                by_seed.setdefault(r["seed"], r)
        lines.append(f"- {dataset}, real domain 1 vs real domain 2: thesis {number(run.baseline)}, ours "
                     f"{ours(list(by_seed.values()) or same, BASELINE)}")
    return ["", "Baseline (LPIPS between the real images of the two domains, T984):", *lines] if lines else []


def _classifier_measures(results):
    rows = []
    for records in results.values():
        for r in records:
            clf = r["classifier"]
            if not clf or "pair_agreement" not in clf:
                continue
            agreement = clf["pair_agreement"]
            entropy = [clf["coverage"][f"generated_{d}"]["entropy_bits"] for d in (1, 2)]
            rows.append(f"| {r['label']} | {agreement['mean']:.3f} ± {agreement['se']:.3f} | "
                        f"{agreement['chance']:.3f} | {clf['pair_mutual_information_bits']:.3f} | "
                        f"{entropy[0]:.2f} / {entropy[1]:.2f} |")
    if not rows:
        return []
    return ["", "Our classifier measures (not in the thesis; evaluate --classifier, a Table B.1 classifier on both "
                "domains): pair agreement is the share of z whose G1(z) and G2(z) get the same class, chance what "
                "independent generators with these class frequencies would reach; the mutual information of the two "
                "classes also sees a coupling under a permutation of the classes; class entropy of max "
                f"{math.log2(10):.2f} bits means every class equally often.", "",
            "| configuration | pair agreement ± s.e. | chance | mutual information (bits) | class entropy G1 / G2 "
            "(bits) |", "| --- | --- | --- | --- | --- |", *rows]


def _runs(results):
    lines = ["", "| configuration | preset | iterations (thesis) | state | training wall time | evaluation time | "
                 "directory |", "| --- | --- | --- | --- | --- | --- | --- |"]
    for records in results.values():
        for r in records:
            lines.append(f"| {r['label']} | {r['preset']} | {r['iterations']:,} ({r['thesis_iterations']:,}) | "
                         f"{r['state']} | {duration(r['train_seconds'])} | {duration(r['eval_seconds'])} | "
                         f"{r['directory']} |")
    return lines


def _classifiers(classifiers):
    """The classifiers the target trained, so a reader sees how well each was trained (an earlier, smaller --scale
    may have trained one for fewer epochs than this one plans)."""
    if not classifiers:
        return []
    lines = ["", "## Classifiers", "", "| classifier | for | epochs (planned; thesis) | held-out accuracy | "
             "training time | file |", "| --- | --- | --- | --- | --- | --- |"]
    for c in classifiers:
        accuracy = "to do" if c["held_out_accuracy"] is None else f"{c['held_out_accuracy']:.4f}"
        epochs = "—" if c["epochs"] is None else c["epochs"]
        lines.append(f"| {c['name']} | {c['purpose']} | {epochs} ({c['planned_epochs']}; {c['thesis_epochs']}) | "
                     f"{accuracy} | {duration(c['seconds'])} | {c['path']} |")
    return lines


def _points(target):
    """Whether the target's runs make 2D points (the ring), measured by modes rather than LPIPS."""
    return all(run.pairs is None for run in target.runs)


def _figures(target, results):
    if _points(target):
        ours = (f"Ours: the final checkpoint, {RING_POINTS:,} points (seed 0) over the real ring, titled with the modes "
                f"they cover (a mode counts with at least 5% of the points within 3 standard deviations of its centre; "
                f"Data/ring.py); RUN/samples/ holds the snapshots during training.")
    else:
        ours = (f"Ours: the final checkpoint, {FIGURE_PAIRS} latent vectors (seed 0) laid out as the thesis's figures "
                f"(T699): rows 1-2 domain 1, rows 3-4 the same z in domain 2, in the same positions.")
    lines = ["", "## Samples", "", f"{target.figure}.", "", ours]
    for run in target.runs:
        first = results.get(run.name, [{}])[0]
        if first.get("figure"):
            lines += ["", f"**{run.name}**", "", f"![{run.name}]({first['figure']})"]
    return lines


def scale_line(options, results, points=False):
    """The scale, the lengths it gives and the pairs measured."""
    records = [r for rs in results.values() for r in rs]
    lengths = sorted({(r["iterations"], r["thesis_iterations"]) for r in records})
    runs = ", ".join(f"{ours:,} of {thesis:,}" for ours, thesis in lengths)
    pairs = f"{options.pairs:,} pairs (not the thesis's)" if options.pairs else "the thesis's pair counts"
    text = (f"Scale {options.scale:g}: iterations {runs}; {options.seeds} seed{'s' if options.seeds > 1 else ''}"
            + ("." if points else f"; {pairs}; LPIPS {options.net}."))
    if options.perceptual_backbone:
        text += (f" The perceptual-loss runs use {options.perceptual_backbone} (the thesis: vgg19-keras, its VGG19)"
                 f"{'' if options.perceptual_backbone == 'vgg19-keras' else ', a stand-in'}.")
    if options.settings:
        text += " Settings over every preset: " + ", ".join(f"{k} = {v}" for k, v in options.settings.items()) + "."
    return text


def _legend(options, points):
    seeds = ", and the standard deviation of the seeds' means" if options.seeds > 1 else ""
    if points:
        return (f"Each measure has the thesis's value (in words where it gives no number) and ours beside it, "
                f"from the final checkpoint{seeds}. \"to do\": not measured yet.")
    return (f"Each configuration has the thesis's number and ours beside it: the mean ± its standard error within the "
            f"run (over the pairs){seeds}. \"to do\": not measured yet.")


def render(target, results, options, classifiers=()):
    """The markdown of a target's reproduction; `results` as `collect` gives them, `classifiers` as
    `collect_classifiers`."""
    lines = [f"# {target.title}: reproduced", "", f"Thesis: {target.source}.", "", f"`{options.command(target.name)}`",
             "", scale_line(options, results, _points(target)), "",
             _legend(options, _points(target)), ""]
    lines += _table(target, results)
    lines += _baselines(target, results)
    lines += _classifier_measures(results)
    if target.notes:
        lines += ["", target.notes]
    lines += ["", "## Runs"] + _runs(results)
    reasons = [f"- {r['label']}: not run: {r['reason']}" for rs in results.values() for r in rs
               if r["state"] == NOT_RUN]
    lines += [""] + reasons if reasons else []
    lines += _classifiers(classifiers)
    lines += _figures(target, results)
    return "\n".join(lines) + "\n"
