"""The Python package graph (docs/development.md, "Python packages"):

    embsum (training-batch)  <-  embsum_export (model-export)  <-  embsum_retrain (retrain)
         ^--------------------------------------------------------------'

embsum is the bottom: it never imports a package built on it, the exporter never imports the
retrain loop, and the graph has no cycle. The edges are read from the source (every import
statement, also one inside a function), so a function-local import cannot hide an edge; and an
import that crosses packages must be at module level, where a reader sees it."""

from __future__ import annotations

import graphlib

import pytest

from package_fixtures import PROJECTS, Import, imports_of

EXPECTED = {
    "embsum": set(),
    "embsum_export": {"embsum"},
    "embsum_retrain": {"embsum", "embsum_export"},
}


def package_graph(imports: list[Import]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for i in imports:
        graph.setdefault(i.package, set())
        if i.target_package in PROJECTS and i.target_package != i.package:
            graph[i.package].add(i.target_package)
    return graph


def cycle_of(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph (as graphlib reports it), or None."""
    try:
        tuple(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as e:
        return e.args[1]
    return None


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    return [i for package in PROJECTS for i in imports_of(package)]


def test_the_cycle_check_finds_a_cycle():
    """What the graph looked like before embsum.retrain left embsum: the exporter imported embsum
    and embsum's retrain pipeline imported the exporter back (inside functions)."""
    before = {"embsum": {"embsum_export"}, "embsum_export": {"embsum"}}
    assert cycle_of(before) is not None
    assert cycle_of(EXPECTED) is None


def test_embsum_imports_no_package_built_on_it(imports):
    wrong = [
        i
        for i in imports
        if i.package == "embsum" and i.target_package in ("embsum_export", "embsum_retrain")
    ]
    assert not wrong, [f"{i.module}:{i.line} imports {i.target}" for i in wrong]


def test_the_exporter_does_not_import_the_retrain_loop(imports):
    wrong = [
        i for i in imports if i.package == "embsum_export" and i.target_package == "embsum_retrain"
    ]
    assert not wrong, [f"{i.module}:{i.line} imports {i.target}" for i in wrong]


def test_the_package_graph_is_acyclic_and_as_documented(imports):
    graph = package_graph(imports)
    assert cycle_of(graph) is None, f"import cycle between packages: {cycle_of(graph)}"
    assert graph == EXPECTED


def test_imports_across_packages_are_at_module_level(imports):
    hidden = [
        i
        for i in imports
        if i.target_package in PROJECTS and i.target_package != i.package and not i.top_level
    ]
    assert not hidden, [
        f"{i.module}:{i.line} imports {i.target} inside a function or block" for i in hidden
    ]


def test_golden_generators_are_not_runtime_code(imports):
    """embsum.golden writes committed golden files; nothing else in the packages imports it."""
    users = [
        i
        for i in imports
        if (i.target == "embsum.golden" or i.target.startswith("embsum.golden."))
        and not i.module.startswith("embsum.golden")
    ]
    assert not users, [f"{i.module}:{i.line} imports {i.target}" for i in users]
