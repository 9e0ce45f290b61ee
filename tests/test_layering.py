"""The layering, checked: every project module imports only its own layer or lower ones, counting the imports
written inside functions, which are the ones that hide cycles."""
import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Lowest first. Utils means its helpers; the CLI in Utils/commands sits near the top, under main.py only.
LAYERS = ("Utils", "Losses", "Penalties", "Data", "Nets", "Trainers", "Utils.commands", "main")


def layer(module):
    """Index in LAYERS of a dotted module name (the longest matching prefix), or None outside the project."""
    for index in reversed(range(len(LAYERS))):
        if module == LAYERS[index] or module.startswith(LAYERS[index] + "."):
            return index
    return None


def project_modules(root):
    """{dotted module name: file} for main.py and every module under the layers' folders."""
    files = [root / "main.py"] + sorted(p for top in {name.split(".")[0] for name in LAYERS[:-1]}
                                        for p in (root / top).rglob("*.py"))
    return {".".join(p.relative_to(root).with_suffix("").parts).removesuffix(".__init__"): p
            for p in files if p.is_file()}


def imported_names(source, module, is_package):
    """(line, dotted name) for every import in `source`, relative ones resolved against `module`.

    `from A import b` counts as importing A.b: it is the submodule A.b when there is one, and A's layer otherwise.
    """
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")[: len(module.split(".")) - node.level + is_package]
                base = ".".join(package + ([node.module] if node.module else []))
            yield from ((node.lineno, f"{base}.{alias.name}") for alias in node.names)


def wrong_way_imports(root):
    """'file:line: LAYER imports NAME (LAYER)' for every import of a higher layer under `root`."""
    found = []
    for module, path in project_modules(root).items():
        own = layer(module)
        for line, name in imported_names(path.read_text(), module, path.name == "__init__.py"):
            target = layer(name)
            if target is not None and target > own:
                found.append(f"{path.relative_to(root)}:{line}: {LAYERS[own]} imports {name} ({LAYERS[target]})")
    return found


def test_no_module_imports_a_higher_layer():
    modules = project_modules(REPO)
    assert {"main", "Utils.errors", "Utils.commands", "Nets.lpips", "Trainers.loop"} <= set(modules)
    assert wrong_way_imports(REPO) == []


def test_checker_finds_wrong_way_imports_also_inside_functions_and_relative_ones(tmp_path):
    sources = {
        "main.py": "from Utils.commands import main\n",
        "Utils/__init__.py": "",
        "Utils/errors.py": "import numpy\n",
        "Utils/helper.py": "from . import errors\nfrom . import commands\n",
        "Utils/commands/__init__.py": "from Trainers import loop\nfrom .. import errors\n",
        "Data/pipeline.py": "import Nets.blocks\n",
        "Nets/blocks.py": "from Nets.lpips import LPIPS\nfrom Utils.errors import UserError\n",
        "Nets/lpips.py": (
            "import tensorflow as tf\n"
            "from Penalties.catalog import PERCEPTUAL_BACKBONES\n"
            "\n"
            "def build():\n"
            "    from Trainers.loop import train\n"
            "    return train\n"
        ),
        "Trainers/loop.py": "from Nets.lpips import LPIPS\n",
    }
    for name, text in sources.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert sorted(wrong_way_imports(tmp_path)) == [
        "Data/pipeline.py:1: Data imports Nets.blocks (Nets)",
        "Nets/lpips.py:5: Nets imports Trainers.loop.train (Trainers)",
        "Utils/helper.py:2: Utils imports Utils.commands (Utils.commands)",
    ]
