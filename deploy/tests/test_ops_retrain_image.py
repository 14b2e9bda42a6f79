"""The retrain image: deploy/retrain/stage-cli.sh against a fake build, and the Dockerfile
against the repository layout and its build context."""

from __future__ import annotations

import re
import shutil

import pytest

from ops_fixtures import REPO, RETRAIN, run_bash
from retrain_fixtures import APP

# --- stage-cli.sh ---------------------------------------------------------------------------------------
STAGE = RETRAIN / "stage-cli.sh"


@pytest.fixture
def fake_build(tmp_path):
    """A repository copy with stage-cli.sh, built module classes and a classpath file naming this
    checkout's module jars, a project jar from ~/.m2 and two third-party jars."""
    root = tmp_path / "repo"
    script = root / "deploy" / "retrain" / "stage-cli.sh"
    script.parent.mkdir(parents=True)
    shutil.copy(STAGE, script)
    for module in ("cli", "replay", "inference-runtime", "ranker", "schemas"):
        (root / module / "target" / "classes").mkdir(parents=True)
    m2 = tmp_path / "m2" / "repository"
    third = [
        m2 / "info/picocli/picocli/4.7.7/picocli-4.7.7.jar",
        m2 / "com/microsoft/onnxruntime/onnxruntime/1.29.0/onnxruntime-1.29.0.jar",
    ]
    third += [m2 / f"org/example/lib{i}/1.0/lib{i}-1.0.jar" for i in range(10)]
    own = [
        root / "replay/target/replay-0.1.0-SNAPSHOT.jar",
        m2 / "dev/embsum/schemas/0.1.0/schemas-0.1.0.jar",
    ]
    for jar in third + own:
        jar.parent.mkdir(parents=True, exist_ok=True)
        jar.write_bytes(b"PK")
    classpath = root / "cli" / "target" / "runtime-classpath.txt"
    classpath.write_text(
        ":".join(map(str, own[:1] + third + own[1:]))
    )  # Maven writes no final newline
    return root, script, third


def test_stage_cli_copies_the_third_party_jars(fake_build):
    root, script, third = fake_build
    r = run_bash(script)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in (root / "deploy/retrain/cli-lib").iterdir()) == sorted(
        j.name for j in third
    )


def test_stage_cli_refuses_a_missing_build_or_jar(fake_build):
    root, script, third = fake_build
    third[3].unlink()
    r = run_bash(script)
    assert r.returncode == 1 and f"names {third[3]}, which does not exist" in r.stderr
    (root / "cli/target/runtime-classpath.txt").unlink()
    r = run_bash(script)
    assert r.returncode == 2 and "mvn -B -DskipTests package" in r.stderr


def dockerfile_copies() -> list[tuple[list[str], str]]:
    out = []
    for line in (RETRAIN / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            *sources, dest = [w for w in line.split()[1:] if not w.startswith("--")]
            out.append((sources, dest))
    return out


def test_image_layout_is_the_repository_layout():
    """The image copies each path of the repository to the same relative path under /opt/embsum/app
    (the Python code and scripts/embsum find their files relative to themselves), and every source
    exists in a checkout or is a build output."""
    dockerfile = (RETRAIN / "Dockerfile").read_text()
    assert re.search(r"^ARG PYTHON_IMAGE=python:3\.11-slim-bookworm$", dockerfile, re.M)
    assert "openjdk-17-jre-headless" in dockerfile
    assert "-r /opt/embsum/app/requirements.txt" in dockerfile
    assert f"PYTHONPATH={APP}/training-batch:{APP}/model-export:{APP}/retrain" in dockerfile
    copies = dockerfile_copies()
    sources = [s for srcs, _ in copies for s in srcs]
    for needed in (
        "training-batch/embsum",
        "model-export/embsum_export",
        "retrain/embsum_retrain",
        "models/t5-small-tokenizer",
        "schemas/src/main",
        "data/mind",
        "scripts/embsum",
        "cli/target/classes",
        "deploy/retrain/cli-lib/",
    ):
        assert needed in sources, f"the image lacks {needed}"
    built = (
        "cli/target/",
        "replay/target/",
        "inference-runtime/target/",
        "ranker/target/",
        "schemas/target/",
        "deploy/retrain/cli-lib",
    )
    for srcs, dest in copies:
        for src in srcs:
            assert (REPO / src).exists() or src.startswith(built), (
                f"COPY {src}: no such file in the repository"
            )
            if src == "deploy/retrain/cli-lib/":
                assert dest == "cli/lib/"
            elif len(srcs) == 1 and not dest.startswith("/"):
                assert dest == src, f"COPY {src} {dest}: not the repository's relative path"


def test_image_copies_every_module_scripts_embsum_runs():
    """scripts/embsum runs this project's modules from <module>/target/classes and stage-cli.sh
    leaves their jars out of cli-lib/, so a module the image does not copy (or stage-cli.sh does
    not require) would fail only inside the image, with a NoClassDefFoundError."""
    modules = set(
        re.findall(r"\$root/([\w-]+)/target/classes", (REPO / "scripts" / "embsum").read_text())
    )
    assert {"cli", "replay", "inference-runtime", "ranker", "schemas"} <= modules
    copied = {
        src.split("/")[0]
        for srcs, _ in dockerfile_copies()
        for src in srcs
        if src.endswith("/target/classes")
    }
    assert copied == modules
    required = re.search(r"^for module in ([\w -]+); do$", STAGE.read_text(), re.M).group(1).split()
    assert set(required) == modules


def test_build_context_holds_what_the_image_copies():
    """Dockerfile.dockerignore excludes everything, then lets in exactly the COPY sources."""
    lines = [
        line.strip()
        for line in (RETRAIN / "Dockerfile.dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    sources = {s.rstrip("/") for srcs, _ in dockerfile_copies() for s in srcs}
    assert allowed == sources
