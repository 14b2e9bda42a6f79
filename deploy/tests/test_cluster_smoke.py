"""scripts/cluster-smoke.sh (issue 20): the shaded job jar on a Flink 2.2.1 standalone cluster of
separate processes (1 JobManager, 2 TaskManagers) against a Kafka 4.2 KRaft broker process, fed by
`scripts/embsum produce`; a TaskManager killed with kill -9, stop-with-savepoint and a resubmission
from the savepoint. The slow test runs the script itself and asserts on its outcome lines; the
others check, without starting anything, what the script relies on."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from ops_fixtures import JOB_CONF, REPO

SCRIPT = REPO / "scripts" / "cluster-smoke.sh"
SMOKE_POM = REPO / "deploy" / "cluster-smoke" / "pom.xml"
JAR = REPO / "flink-jobs" / "target" / "embsum-flink-jobs.jar"
CLI_CLASSPATH = REPO / "cli" / "target" / "runtime-classpath.txt"
# The script's own waits are bounded (150 s at most each); this only catches a hung script.
LIMIT_S = 600


def _prop(pom: str, name: str) -> str:
    m = re.search(rf"<{re.escape(name)}>([^<]+)</{re.escape(name)}>", pom)
    assert m, f"no <{name}> in the pom"
    return m.group(1)


def test_the_stand_in_for_flink_dist_uses_the_root_poms_versions():
    root = (REPO / "pom.xml").read_text(encoding="utf-8")
    smoke = SMOKE_POM.read_text(encoding="utf-8")
    for name in ("flink.version", "kafka.version", "log4j.version", "flink.log4j.version"):
        assert _prop(smoke, name) == _prop(root, name), (
            f"deploy/cluster-smoke/pom.xml {name} differs from pom.xml"
        )
    # The issue-13 evidence depends on datagen arriving only through flink-runtime.
    assert "flink-connector-datagen</artifactId>" not in smoke
    assert "<artifactId>flink-runtime</artifactId>" in smoke
    # Not a module: the build must not pick it up.
    assert "cluster-smoke" not in re.search(r"<modules>(.*?)</modules>", root, re.S).group(1)


def test_the_job_conf_lines_the_script_replaces_exist():
    keys = {
        line.split(":", 1)[0]
        for line in JOB_CONF.read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#") and ":" in line
    }
    for key in ("bundle.path", "checkpoint.interval", "kafka.bootstrap.servers", "kafka.group.id"):
        assert key in keys, f"scripts/cluster-smoke.sh rewrites '{key}:' of deploy/flink/job.conf"


def test_the_script_parses():
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True)


def _run_smoke(tmp_path: Path) -> tuple[int, str, float]:
    env = dict(os.environ, TMPDIR=str(tmp_path))
    env.pop("CLUSTER_SMOKE_KEEP", None)
    start = time.monotonic()
    # Own session, so a timeout can end the script and every JVM it started (one process group).
    proc = subprocess.Popen(
        ["bash", str(SCRIPT)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=LIMIT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        pytest.fail(f"scripts/cluster-smoke.sh still running after {LIMIT_S} s:\n{out[-20000:]}")
    # Maven writes colour resets (ESC[0m) even with -B -q; they would glue onto the next line.
    out = re.sub(r"\x1b\[[0-9;]*m", "", out)
    return proc.returncode, out, time.monotonic() - start


@pytest.mark.slow
def test_the_job_jar_survives_a_taskmanager_kill_and_a_savepoint_on_a_real_cluster(tmp_path):
    if not JAR.is_file() or not CLI_CLASSPATH.is_file():
        pytest.skip(
            "needs the build (mvn -DskipTests install / mvn verify): the shaded job jar and the CLI"
        )
    missing = [t for t in ("java", "javac", "curl", "unzip") if shutil.which(t) is None]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    status, out, seconds = _run_smoke(tmp_path)
    lines = [line for line in out.splitlines() if line.startswith("cluster-smoke: ")]
    assert status == 0, (
        f"scripts/cluster-smoke.sh exited {status} after {seconds:.0f} s:\n{out[-20000:]}"
    )
    text = "\n".join(lines)
    print(f"scripts/cluster-smoke.sh: {seconds:.0f} s")  # shown with -s / -rP
    print("\n".join(line for line in lines if "timings:" in line))
    expected = [
        # issue 13: the datagen classes are on the cluster's classpath, through flink-runtime
        r"datagen: org/apache/flink/connector/datagen/source/GeneratorFunction\.class is on the cluster classpath,"
        r" in deploy/cluster-smoke/lib/flink/flink-connector-datagen-\S+\.jar",
        r"datagen: it comes with flink-runtime: flink-runtime-\S+\.pom declares flink-connector-datagen, scope compile;"
        r" Maven: org\.apache\.flink:flink-runtime:jar:\S+:compile -> org\.apache\.flink:flink-connector-datagen",
        r"datagen: flink-connector-datagen jar on the logged JVM classpath of jobmanager .*: yes",
        r"datagen: flink-connector-datagen jar on the logged JVM classpath of tm-2 .*: yes",
        r"OK round 1: 20 of 20 users current at their latest history_version",
        r"OK taskmanager kill: job RUNNING again [\d.]+ s after kill -9 tm-\d, numRestarts 0 -> [1-9]\d*,"
        r" restored from checkpoint \d+",
        r"OK round 2 \(after the TaskManager kill\): 20 of 20 users current",
        r"OK savepoint: job \w+ stopped with savepoint file:\S+",
        r"OK round 3 \(resumed from the savepoint, restored file:\S+savepoint\S+\): 20 of 20 users current",
        r"timings: submit -> first embedding [\d.]+ s .*TaskManager kill -9 -> job RUNNING again [\d.]+ s;"
        r" savepoint: .*total [\d.]+ s",
        r"OK JSON logs: JobManager console: \d{2,} JSON events",
        r"PASSED \(20 users, 1 JobManager \+ 2 TaskManagers \+ 1 broker",
    ]
    for pattern in expected:
        assert re.search("^cluster-smoke: " + pattern, text, re.M), (
            f"no line matching {pattern!r} in:\n{out[-20000:]}"
        )
    assert not list(tmp_path.glob("cluster-smoke.*")), "the script left its work dir behind"
    left = subprocess.run(
        ["pgrep", "-f", str(tmp_path)], capture_output=True, text=True
    ).stdout.split()
    assert not left, f"processes of the smoke test still running: {left}"
