"""The package's layering, measured from its own import statements (docs/architecture.md draws
the same layers): imports run one way, with no circle, and the estimator and CLI modules stay
small enough to read."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tsforecast"

# From the bottom up; a module may import modules of its own layer or of layers below it.
LAYERS = [
    # numpy and pandas building blocks that import nothing of the package but each other
    {"_version", "_warnings", "_validation", "_timegrid", "_windowing", "_losses", "_nn",
     "_distributed", "metrics", "datasets", "features", "plotting"},
    # the parameter objects an estimator takes
    {"_settings", "networks", "conformal"},
    # per-series data: panels, transforms, interval tables, outputs
    {"_scaling", "_seasonality", "_smoothing", "_target", "_intervals", "_panel", "_outputs",
     "_future", "_transforms"},
    # torch: devices and threads, device batches, the training loop
    {"_torch_utils", "_batches", "_training"},
    # a fitted forecaster's state and the plain functions of it; its file format
    {"_state", "_context", "_forecasting", "_calibration", "_codec", "_file_checks",
     "persistence"},
    # training an estimator: the shared parameters and fit step, the forecaster's fit path and
    # its choice among candidate models
    {"_base", "_fitting", "_selection"},
    # the estimators
    {"forecaster", "sequence", "distributed"},
    # tools that take an estimator
    {"model_selection", "scoring"},
    # front ends
    {"_csv_input", "cli", "__main__", "__init__"},
]
LAYER = {module: level for level, modules in enumerate(LAYERS) for module in modules}
MAX_LINES = {"forecaster": 600, "cli": 450}


def _imports(module: str) -> list[tuple[str, list[str]]]:
    """(imported module, imported names) of every import of a tsforecast module in ``module``,
    at the top or inside functions."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [alias.name for alias in node.names]
            if node.module:
                found.append((node.module.split(".")[0], names))
            else:  # from . import a, b
                found.extend((name, []) for name in names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tsforecast"):
            parts = node.module.split(".")
            found.append((parts[1] if len(parts) > 1 else "__init__",
                          [alias.name for alias in node.names]))
        elif isinstance(node, ast.Import):
            found.extend(
                (alias.name.split(".")[1] if "." in alias.name else "__init__", [])
                for alias in node.names if alias.name.split(".")[0] == "tsforecast")
    return [(target, names) for target, names in found if target != module]


MODULES = sorted(path.stem for path in PACKAGE.glob("*.py"))
GRAPH = {module: _imports(module) for module in MODULES}


def test_every_module_has_a_layer():
    assert set(MODULES) == set(LAYER), "place new modules in LAYERS (and the diagram)"


@pytest.mark.parametrize("module", MODULES)
def test_imports_run_down_the_layers(module):
    upward = [target for target, _ in GRAPH[module] if LAYER[target] > LAYER[module]]
    assert upward == [], f"{module} imports modules above it: {upward}"


@pytest.mark.parametrize("module", MODULES)
def test_no_private_name_is_imported_from_a_module_above(module):
    private = [(target, name) for target, names in GRAPH[module] for name in names
               if name.startswith("_") and LAYER[target] > LAYER[module]]
    assert private == []


def test_no_import_circle():
    state = {}

    def visit(module, path):
        state[module] = "open"
        for target, _ in GRAPH[module]:
            if state.get(target) == "open":
                pytest.fail(f"import circle: {' -> '.join([*path, target])}")
            if target not in state:
                visit(target, [*path, target])
        state[module] = "done"

    for module in MODULES:
        if module not in state:
            visit(module, [module])


def test_no_module_reaches_up_to_the_package_root():
    importers = [module for module in MODULES if module != "__main__"
                 and any(target == "__init__" for target, _ in GRAPH[module])]
    assert importers == []


@pytest.mark.parametrize("module, limit", sorted(MAX_LINES.items()))
def test_front_modules_stay_small(module, limit):
    lines = (PACKAGE / f"{module}.py").read_text(encoding="utf-8").count("\n")
    assert lines <= limit, f"{module}.py has {lines} lines (at most {limit})"
