"""The project's own modules import each other in one direction: no cycle anywhere.

Read from the source with ``ast``, not by importing: every import statement at any depth counts,
including those inside functions (the old outbox hid its cycle with tasks.py in one). An edge goes
to the most specific project module an import names: ``from .notifications import outbox`` is an
edge to ``consultations.notifications.outbox``, ``from .models import Appointment`` one to
``consultations.models``. Modules outside ``PACKAGES`` (Django, the standard library) are left out.

Other rules about the graph go here too. That ``patients`` imports nothing from ``consultations``
(STYLE.md point 8) would be::

    crossing = [
        f"{where}: {module} imports {target}"
        for module, targets in project_imports().items() if in_package(module, "patients")
        for target, where in targets.items() if in_package(target, "consultations")
    ]
    assert crossing == []
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("consultations", "patients")

Graph = dict[str, dict[str, str]]  # module -> {imported module: "path:line" of the first import}


def in_package(module: str, package: str) -> bool:
    return module == package or module.startswith(f"{package}.")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_in(module: str, source: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, dotted name) for every import in ``source``, relative ones made absolute.

    ``from a import b`` gives "a.b": ``b`` may be a submodule or only a name in ``a``; resolving
    against the known modules decides.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join(package + ([node.module] if node.module else []))
            else:
                base = node.module
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def resolve(name: str, modules) -> str | None:
    """The longest known module that ``name`` is or lies in, or None outside the project."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def graph_of(sources: dict[str, tuple[str, str, bool]]) -> Graph:
    """``sources``: module -> (where, source text, is_package)."""
    graph: Graph = {module: {} for module in sources}
    for module, (where, source, is_package) in sources.items():
        for line, name in imports_in(module, source, is_package=is_package):
            target = resolve(name, sources)
            if target is not None and target != module:
                graph[module].setdefault(target, f"{where}:{line}")
    return graph


def project_imports(packages=PACKAGES) -> Graph:
    sources = {
        module_name(path): (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8"), path.name == "__init__.py")
        for package in packages
        for path in sorted((ROOT / package).rglob("*.py"))
    }
    return graph_of(sources)


def find_cycle(graph: Graph) -> list[str]:
    """One cycle as "module (path:line of its import of the next)" steps, or [] when acyclic."""
    done, path = set(), []
    on_path: dict[str, int] = {}

    def visit(module):
        on_path[module] = len(path)
        path.append(module)
        for target in sorted(graph.get(module, {})):
            if target in on_path:
                loop = path[on_path[target] :] + [target]
                return [f"{a} ({graph[a][b]})" for a, b in zip(loop, loop[1:], strict=False)] + [target]
            if target not in done:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        del on_path[module]
        done.add(module)
        return []

    for module in sorted(graph):
        if module not in done:
            cycle = visit(module)
            if cycle:
                return cycle
    return []


def test_the_project_s_modules_import_each_other_without_a_cycle():
    cycle = find_cycle(project_imports())

    assert cycle == [], "import cycle:\n  " + "\n  -> ".join(cycle)


def test_the_graph_sees_function_level_and_package_imports():
    graph = project_imports()

    assert "consultations.notifications.delivery" in graph["consultations.tasks"]
    assert "consultations.tasks" in graph["consultations.apps"]  # inside ready()
    assert "consultations.notifications.outbox" in graph["consultations.services"]


def test_a_cycle_through_a_function_level_import_is_found():
    """The shape this test was written against: the outbox queued its task by a lazy import."""
    sources = {
        "consultations.notifications": (
            "consultations/notifications.py",
            "def _enqueue(nid):\n    from .tasks import send_notification\n",
            False,
        ),
        "consultations.tasks": (
            "consultations/tasks.py",
            "from .notifications import notification_send\n",
            False,
        ),
    }

    assert find_cycle(graph_of(sources)) == [
        "consultations.notifications (consultations/notifications.py:2)",
        "consultations.tasks (consultations/tasks.py:1)",
        "consultations.notifications",
    ]
