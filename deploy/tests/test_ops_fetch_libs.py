"""deploy/flink/fetch-libs.sh, run against a stub `mvn` in a copy of the repository layout: it
asks Maven for exactly the parent-classloader libraries (ONNX Runtime, DJL + gson + jna) that
inference-runtime resolves, and for log4j's JSON layout at the version of Flink's own log4j, switches to the CUDA build with --gpu (the root pom's gpu profile),
and empties deploy/flink/lib first so a CPU and a GPU ONNX Runtime never sit side by side. The
Dockerfile and compose put that directory under /opt/flink/lib."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from ops_fixtures import REPO, run_bash, stub_command

PARENT_GROUPS = {
    "com.microsoft.onnxruntime",
    "ai.djl",
    "ai.djl.huggingface",
    "com.google.code.gson",
    "net.java.dev.jna",
}

# Stub mvn: logs its arguments and writes the jars dependency:copy-dependencies (or, for the
# JSON log layout, dependency:copy) would write.
STUB_MVN = r"""#!/usr/bin/env bash
echo "$@" >> "$MVN_LOG"
out=""; ort=onnxruntime; artifact=""
for a in "$@"; do
  case "$a" in
    -DoutputDirectory=*) out="${a#-DoutputDirectory=}" ;;
    -Pgpu) ort=onnxruntime_gpu ;;
    -Dartifact=*) artifact="${a#-Dartifact=}" ;;
  esac
done
mkdir -p "$out"
if [ -n "$artifact" ]; then
  IFS=: read -r group name version <<< "$artifact"
  : > "$out/$name-$version.jar"
  exit 0
fi
for j in ai.djl.api-0.38.0 ai.djl.huggingface.tokenizers-0.38.0 com.google.code.gson.gson-2.13.1 \
         net.java.dev.jna.jna-5.17.0 "com.microsoft.onnxruntime.$ort-1.29.0"; do
  : > "$out/$j.jar"
done
"""


@pytest.fixture()
def repo_copy(tmp_path: Path):
    script = tmp_path / "deploy" / "flink" / "fetch-libs.sh"
    script.parent.mkdir(parents=True)
    shutil.copy(REPO / "deploy" / "flink" / "fetch-libs.sh", script)
    shutil.copy(REPO / "pom.xml", tmp_path / "pom.xml")  # flink.log4j.version
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub_command(bin_dir, "mvn", STUB_MVN)
    env = dict(
        os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", MVN_LOG=str(tmp_path / "mvn.log")
    )
    return tmp_path, script, env


def mvn_args(tmp: Path) -> list[str]:
    """The arguments of the copy-dependencies call (the first; the second copies the layout)."""
    copy_dependencies, _layout = (tmp / "mvn.log").read_text().splitlines()
    return copy_dependencies.split()


def test_the_json_log_layout_is_of_flinks_log4j_version(repo_copy):
    tmp, script, env = repo_copy
    r = run_bash(script, env=env)
    assert r.returncode == 0, r.stderr
    version = re.search(
        r"<flink.log4j.version>(.+)</flink.log4j.version>", (REPO / "pom.xml").read_text()
    ).group(1)
    layout = (tmp / "mvn.log").read_text().splitlines()[1].split()
    assert "dependency:copy" in layout
    assert f"-Dartifact=org.apache.logging.log4j:log4j-layout-template-json:{version}" in layout
    assert (
        tmp / "deploy" / "flink" / "lib" / f"log4j-layout-template-json-{version}.jar"
    ).is_file()


def test_cpu_build_copies_inference_runtime_parent_libs(repo_copy):
    tmp, script, env = repo_copy
    lib = tmp / "deploy" / "flink" / "lib"
    lib.mkdir()
    (lib / "com.microsoft.onnxruntime.onnxruntime_gpu-1.29.0.jar").write_text("stale")
    r = run_bash(script, env=env)
    assert r.returncode == 0, r.stderr
    args = mvn_args(tmp)
    assert "-Pgpu" not in args
    assert args[args.index("-pl") + 1] == "inference-runtime"
    assert "dependency:copy-dependencies" in args
    assert "-DincludeScope=runtime" in args
    (groups,) = [a.partition("=")[2] for a in args if a.startswith("-DincludeGroupIds=")]
    assert set(groups.split(",")) == PARENT_GROUPS
    assert f"-DoutputDirectory={lib}" in args
    jars = sorted(p.name for p in lib.iterdir())
    assert "com.microsoft.onnxruntime.onnxruntime-1.29.0.jar" in jars
    assert not [j for j in jars if "onnxruntime_gpu" in j], "the stale GPU jar must be removed"


def test_gpu_build_uses_the_gpu_profile(repo_copy):
    tmp, script, env = repo_copy
    r = run_bash(script, "--gpu", env=env)
    assert r.returncode == 0, r.stderr
    assert "-Pgpu" in mvn_args(tmp)
    jars = [p.name for p in (tmp / "deploy" / "flink" / "lib").iterdir()]
    assert [j for j in jars if j.startswith("com.microsoft.onnxruntime.")] == [
        "com.microsoft.onnxruntime.onnxruntime_gpu-1.29.0.jar"
    ]


def test_unknown_argument_is_refused(repo_copy):
    tmp, script, env = repo_copy
    r = run_bash(script, "--cuda", env=env)
    assert r.returncode == 2
    assert "unknown argument '--cuda'" in r.stderr and "--gpu" in r.stderr
    assert not (tmp / "mvn.log").exists()


def test_gpu_profile_switches_the_onnxruntime_artifact():
    pom = (REPO / "pom.xml").read_text(encoding="utf-8")
    assert re.search(r"<onnxruntime.artifact>onnxruntime</onnxruntime.artifact>", pom)
    profile = re.search(r"<profile>\s*<id>gpu</id>(.*?)</profile>", pom, re.S).group(1)
    assert "<onnxruntime.artifact>onnxruntime_gpu</onnxruntime.artifact>" in profile
    runtime_pom = (REPO / "inference-runtime" / "pom.xml").read_text(encoding="utf-8")
    assert "<artifactId>${onnxruntime.artifact}</artifactId>" in runtime_pom


def test_image_puts_the_libs_under_flink_lib():
    dockerfile = (REPO / "deploy" / "flink" / "Dockerfile").read_text()
    assert re.search(r"^COPY .*deploy/flink/lib/ /opt/flink/lib/embsum/$", dockerfile, re.M)
    assert "/opt/flink/usrlib/embsum-flink-jobs.jar" in dockerfile
