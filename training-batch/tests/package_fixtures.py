"""The Python packages of the repository as source: each module's import statements, read with
`ast` (nothing is imported), for the package-graph and dependency tests."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: import name -> project directory (its pyproject.toml and the package directory of that name),
#: in the order of the graph: each may import only those before it.
PROJECTS: dict[str, Path] = {
    "embsum": REPO / "training-batch",
    "embsum_export": REPO / "model-export",
    "embsum_retrain": REPO / "retrain",
}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. "embsum_retrain.pipeline"
    target: str  # the imported module (or module.name), absolute, e.g. "embsum_export.bundle"
    line: int
    top_level: bool  # a statement of the module body (not inside a function, class or if)

    @property
    def package(self) -> str:
        return self.module.split(".")[0]

    @property
    def target_package(self) -> str:
        return self.target.split(".")[0]


def module_name(package: str, path: Path) -> tuple[str, bool]:
    """(dotted name, is a package __init__) of a source file of `package`."""
    parts = [package, *path.relative_to(PROJECTS[package] / package).with_suffix("").parts]
    is_init = parts[-1] == "__init__"
    return ".".join(parts[:-1] if is_init else parts), is_init


def imports_of(package: str) -> list[Import]:
    """Every import statement of every module of `package`, relative ones made absolute."""
    out = []
    for path in sorted((PROJECTS[package] / package).rglob("*.py")):
        module, is_init = module_name(package, path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        body = {id(node) for node in tree.body}
        base = module.split(".") if is_init else module.split(".")[:-1]
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parent = base[: len(base) - (node.level - 1)]
                    source = ".".join(parent + ([node.module] if node.module else []))
                else:
                    source = node.module
                # `from a.b import c` may import module a.b.c: keep both names
                targets = [source] + [
                    f"{source}.{alias.name}" for alias in node.names if alias.name != "*"
                ]
            else:
                continue
            out += [Import(module, t, node.lineno, id(node) in body) for t in targets]
    return out


def third_party(imports: list[Import]) -> set[str]:
    """Top-level names of the imports that are neither the standard library nor our packages."""
    return {
        i.target_package
        for i in imports
        if i.target_package not in sys.stdlib_module_names and i.target_package not in PROJECTS
    }
