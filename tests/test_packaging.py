"""tfmlp installs as a library alone (the course, `cli.py` and `labs/`, runs from the checkout), and works outside it."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent


# What requirements.txt installs beside the library, which the package does not declare: the tests, the linter,
# the draw page's browser test, and the notebooks (Jupyter, and the kernel and client that run them).
TOOLS = ("pytest", "ruff", "setuptools", "selenium", "jupyterlab", "nbclient", "nbformat", "ipykernel")


def requirement_names() -> list[tuple[str, str]]:
    """requirements.txt's lines (comments aside), each with the name of the package it installs."""
    lines = (REPOSITORY / "requirements.txt").read_text().splitlines()
    return [(line, re.split(r"[=<>\[]", line)[0]) for line in lines if line and not line.startswith("#")]


def test_the_package_pins_what_requirements_pin_but_the_tools() -> None:
    declared = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]["dependencies"]
    required = requirement_names()
    assert set(TOOLS) <= {name for _, name in required}, "every tool is installed by requirements.txt"
    assert declared == [line for line, name in required if name not in TOOLS]


def test_the_library_imports_none_of_the_tools() -> None:
    """Installed alone, tfmlp works: none of its modules needs what only the tests and the notebooks install."""
    for path in (REPOSITORY / "tfmlp").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not {name.split(".")[0] for name in imported} & set(TOOLS), path.name


@pytest.mark.slow
def test_installed_outside_the_checkout_it_imports_and_builds_and_claims_no_other_name(tmp_path: Path) -> None:
    target = tmp_path / "site"
    install = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--target",
        str(target),
        str(REPOSITORY),
    ]
    subprocess.run(install, check=True, capture_output=True, text=True)
    installed = sorted(path.name for path in target.iterdir() if not path.name.endswith(".dist-info"))
    assert installed == ["tfmlp"], "site-packages gets tfmlp alone: no `cli`, no `labs`, no command"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    environment = {**os.environ, "PYTHONPATH": str(target)}  # the venv's packages stay; the checkout is not on the path
    script = (
        "import tfmlp, tfmlp.data\n"
        f"assert tfmlp.__file__.startswith({str(target)!r}), 'imported from the checkout'\n"
        "model = tfmlp.mlp([16], kernel_init='he')\n"
        "print(model.count_params(), tfmlp.TrainConfig().epochs, tfmlp.data.DEFAULT_MNIST_DIR)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=elsewhere, env=environment, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(784 * 16 + 16 + 16 * 10 + 10), "15", "MNIST_data"]  # MNIST_data/ beside the user


def test_every_public_function_documents_its_arguments_result_and_an_example() -> None:
    import inspect

    import tfmlp

    functions = [name for name in tfmlp.__all__ if inspect.isfunction(getattr(tfmlp, name))]
    assert {"load_mnist", "mlp", "fit_and_evaluate", "create_run_dir", "load_run_model"} <= set(functions)
    for name in functions:
        doc = inspect.getdoc(getattr(tfmlp, name)) or ""
        missing = [part for part in ("Args:", "Returns:", "Example:") if part not in doc]
        assert not missing, f"{name} lacks {missing}"
