"""The dependency rule (README, "Architecture"): backoffice sits above both domain apps,
consultations may use patients, and patients knows nothing of consultations — not by import,
and not by a string (an app label, a URL name, a model looked up through the registry)."""

from __future__ import annotations

import ast
from pathlib import Path

from django.contrib import admin

from backoffice.admin.base import AdminInputGuard
from tests.consultations.test_import_graph import find_cycle, in_package, project_imports

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("backoffice", "consultations", "patients")


def crossings(graph, *, from_package: str, to_package: str) -> list[str]:
    return [
        f"{where}: {module} imports {target}"
        for module, targets in graph.items()
        if in_package(module, from_package)
        for target, where in targets.items()
        if in_package(target, to_package)
    ]


def test_patients_imports_nothing_of_consultations_or_the_back_office():
    graph = project_imports(LAYERS)

    assert crossings(graph, from_package="patients", to_package="consultations") == []
    assert crossings(graph, from_package="patients", to_package="backoffice") == []
    assert crossings(graph, from_package="consultations", to_package="backoffice") == []


def test_the_three_apps_together_have_no_import_cycle():
    assert find_cycle(project_imports(LAYERS)) == []


def strings_in_code(source: str) -> list[tuple[int, str]]:
    """String constants that are not docstrings: what the code could use to reach another app."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def test_patients_names_consultations_in_no_string_its_code_could_use():
    named = [
        f"{path.relative_to(ROOT)}:{line}: {text!r}"
        for path in sorted((ROOT / "patients").rglob("*.py"))
        for line, text in strings_in_code(path.read_text(encoding="utf-8"))
        if "consultations" in text.lower() or "appointment" in text.lower()
    ]

    assert named == []


def test_the_string_check_would_catch_a_registry_lookup():
    source = '"""A docstring may say consultations."""\nLocation = apps.get_model("consultations", "Location")\n'

    assert [text for _, text in strings_in_code(source)] == ["consultations", "Location"]


def test_every_admin_is_the_back_office_s_and_guarded():
    """One home: each ModelAdmin is defined in backoffice (or wraps a third-party one there), and
    each refuses crafted input instead of failing."""
    for model, model_admin in admin.site._registry.items():
        assert type(model_admin).__module__.startswith("backoffice."), model
        assert isinstance(model_admin, AdminInputGuard), model
