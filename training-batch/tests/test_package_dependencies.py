"""Each pyproject.toml declares what its package imports, and no version of its own:
requirements.in is the one place versions are chosen (requirements.txt locks them), the
pyproject ranges must admit those pins, and the packages a project depends on are exactly the
ones its code imports (docs/development.md, "Python packages")."""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from package_fixtures import PROJECTS, REPO, imports_of, third_party

# Import names that differ from the distribution's name.
DISTRIBUTION = {"rouge_score": "rouge-score"}


def project(package: str) -> dict:
    return tomllib.loads((PROJECTS[package] / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"
    ]


def requirements(package: str) -> dict[str, Requirement]:
    meta = project(package)
    declared = list(meta.get("dependencies", []))
    for extra in meta.get("optional-dependencies", {}).values():
        declared += extra
    return {canonicalize_name(r.name): r for r in map(Requirement, declared)}


def pinned() -> dict[str, str]:
    """requirements.in: name -> the exact version."""
    pins = {}
    for line in (REPO / "requirements.in").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line).groups()
            pins[canonicalize_name(name)] = version
    return pins


OWN = {canonicalize_name(project(p)["name"]): p for p in PROJECTS}


@pytest.mark.parametrize("package", list(PROJECTS))
def test_every_third_party_import_is_declared(package):
    declared = requirements(package)
    missing = sorted(
        m
        for m in third_party(imports_of(package))
        if canonicalize_name(DISTRIBUTION.get(m, m)) not in declared
    )
    assert not missing, f"{PROJECTS[package].name}/pyproject.toml does not declare {missing}"


@pytest.mark.parametrize("package", list(PROJECTS))
def test_declared_ranges_admit_the_pinned_versions(package):
    pins = pinned()
    for name, req in requirements(package).items():
        if name in OWN:
            continue
        assert name in pins, f"{req} is not pinned in requirements.in"
        assert req.specifier.contains(pins[name]), (
            f"{req} does not admit requirements.in's {name}=={pins[name]}"
        )


@pytest.mark.parametrize("package", list(PROJECTS))
def test_own_packages_declared_are_the_ones_imported(package):
    declared = {OWN[n] for n in requirements(package) if n in OWN}
    imported = {
        i.target_package
        for i in imports_of(package)
        if i.target_package in PROJECTS and i.target_package != package
    }
    assert declared == imported
    for name, req in requirements(package).items():
        if name in OWN:
            assert req.specifier.contains(project(OWN[name])["version"]), (
                f"{req}: not the repository's version"
            )
