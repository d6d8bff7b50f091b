"""The library in two layers: a core that a program imports and calls without its process changing,
an application (`cli.py`) that starts TensorFlow quietly and seeds its runs by name, imports in one direction."""

from __future__ import annotations

import ast
import graphlib
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import tensorflow as tf

from tfmlp.config import TrainConfig
from tfmlp.data import MnistArrays, make_datasets
from tfmlp.models import mlp
from tfmlp.startup import start_tensorflow_quietly
from tfmlp.training import fit_and_evaluate

REPOSITORY = Path(__file__).resolve().parent.parent
PACKAGE = REPOSITORY / "tfmlp"
MODULES = {"tfmlp", *(f"tfmlp.{path.stem}" for path in PACKAGE.glob("*.py") if path.stem != "__init__")}
CORE = ("config", "data", "models", "training", "callbacks", "diagnostics", "inference", "checkpoint", "plan", "machine", "backprop")


def imported_names(path: Path) -> set[str]:
    """Every module name an import statement in `path` names, at the top or inside a function alike:
    a circle through a deferred import is still a circle."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0 and node.module, f"{path.name}: a relative import"
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from tfmlp import data` names a module too
    return names


def module_path(module: str) -> Path:
    return PACKAGE / "__init__.py" if module == "tfmlp" else PACKAGE / f"{module.removeprefix('tfmlp.')}.py"


def test_no_tfmlp_module_imports_another_that_imports_it_back() -> None:
    graph = {module: imported_names(module_path(module)) & MODULES - {module} for module in MODULES}
    assert len(graph) > 25 and graph["tfmlp.training"] >= {"tfmlp.data", "tfmlp.models"}  # the graph is really read
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        raise AssertionError(f"import circle: {' -> '.join(error.args[1])}") from None


# The application layer: run folders, what a run prints and keeps, TensorBoard's summaries, the quiet
# start and the XLA cache, the draw page's server. Every other module is the core.
APPLICATION = {
    f"tfmlp.{name}"
    for name in ("runs", "runner", "run_models", "results", "summaries", "compare", "board", "startup", "compile_cache", "draw")
}


def test_the_core_never_imports_the_application() -> None:
    core = MODULES - APPLICATION - {"tfmlp"}
    assert {f"tfmlp.{name}" for name in CORE} <= core and APPLICATION - {"tfmlp.draw"} <= MODULES
    for module in core:
        reached = {name for name in imported_names(module_path(module)) if name.startswith("tfmlp.")}
        upward = {name for name in reached if any(name == app or name.startswith(app + ".") for app in APPLICATION)}
        assert not upward, f"{module} (core) imports {sorted(upward)} (application)"


def test_the_library_never_imports_the_course_or_its_command_line() -> None:
    for module in MODULES:
        reached = {name.split(".")[0] for name in imported_names(module_path(module))}
        assert not reached & {"labs", "cli"}, f"{module} imports {reached & {'labs', 'cli'}}"


def test_importing_the_core_changes_no_environment_variable_descriptor_or_logger() -> None:
    """TensorFlow's own import sets a few variables (TF2_BEHAVIOR, KMP_...); tfmlp's core adds nothing to them,
    and leaves matplotlib's backend the program's (the summaries draw through it)."""
    script = textwrap.dedent(
        f"""
        import json, os, sys

        def state():
            stderr = os.fstat(2)
            return dict(os.environ), [stderr.st_dev, stderr.st_ino]

        before = state()
        import tfmlp
        assert state() == before, "import tfmlp changed the process"
        assert "tensorflow" not in sys.modules, "import tfmlp imported TensorFlow"

        import keras
        import matplotlib
        import tensorflow as tf
        matplotlib.use("svg")  # the program's own choice
        baseline, filters = state(), list(tf.get_logger().filters)
        for name in {CORE!r}:
            __import__(f"tfmlp.{{name}}")
        environment, stderr = state()
        print(json.dumps({{
            "added": sorted(set(environment) - set(baseline[0])),
            "changed": sorted(name for name in baseline[0] if environment.get(name) != baseline[0][name]),
            "same_stderr": stderr == baseline[1],
            "same_filters": list(tf.get_logger().filters) == filters,
            "backend": matplotlib.get_backend(),
        }}))
        """
    )
    unset = {name: value for name, value in os.environ.items() if not name.startswith(("TF_CPP_", "TF_XLA_"))}  # what _tf used to set
    done = subprocess.run([sys.executable, "-c", script], cwd=REPOSITORY, env=unset, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report == {"added": [], "changed": [], "same_stderr": True, "same_filters": True, "backend": "svg"}


def test_data_and_training_leave_the_global_generators_alone(small_mnist: MnistArrays) -> None:
    """Reseeding would put NumPy's generator back to the run's seed; Keras and TensorFlow draw nothing from it."""
    np.random.seed(12345)
    before = np.random.get_state()[1].copy()
    data = make_datasets(small_mnist, 1000, seed=777)
    fit_and_evaluate(lambda: mlp([16]), data, TrainConfig(epochs=1, seed=777))
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_the_quiet_start_is_the_application_s_and_happens_once() -> None:
    start_tensorflow_quietly()
    start_tensorflow_quietly()
    assert [type(log_filter).__module__ for log_filter in tf.get_logger().filters].count("tfmlp.startup") == 1
