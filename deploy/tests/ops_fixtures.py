"""Shared expectations and loaders for the deployment tests (docker-compose.yml, deploy/, k8s/).

DESIGN_TOPICS is the one copy of the topic table of docs/design.md 2 in these tests; every
topic check compares against it, and test_ops_topics.py holds it to the repository's other
copies (schemas/README.md's table and the Java enum dev.embsum.serde.Topic).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]

# docs/design.md 2: default topic name -> cleanup.policy.
DESIGN_TOPICS: dict[str, str] = {
    "clicks": "delete",
    "impressions": "delete",
    "content": "compact",
    "user-embeddings": "compact",
    "content-embeddings": "compact",
    "model-releases": "compact",
    "dead-letters": "delete",
}

COMPOSE_FILE = REPO / "docker-compose.yml"
TOPICS_CONF = REPO / "deploy" / "kafka" / "topics.conf"
JOB_CONF = REPO / "deploy" / "flink" / "job.conf"
K8S = REPO / "k8s"
RETRAIN = REPO / "deploy" / "retrain"
# The job options: one ConfigOption declaration per key (shared by both jobs, streaming, archive).
TOPIC_JAVA = REPO / "schemas" / "src" / "main" / "java" / "dev" / "embsum" / "serde" / "Topic.java"
JOB_OPTIONS_JAVA = tuple(
    REPO / "flink-jobs" / "src" / "main" / "java" / "dev" / "embsum" / "flink" / name
    for name in ("CommonOptions.java", "EmbSumOptions.java", "ArchiveOptions.java")
)

# Files the build produces (not committed); compose bind-mounts them.
BUILD_OUTPUTS = {
    "flink-jobs/target/embsum-flink-jobs.jar",  # mvn package (shaded job jar)
    "deploy/flink/lib/",  # deploy/flink/fetch-libs.sh
    "deploy/retrain/cli-lib/",  # deploy/retrain/stage-cli.sh
    "deploy/cluster-smoke/lib/",  # scripts/cluster-smoke.sh (stand-in for flink-dist, broker classpath)
}

# Key prefixes passed through the job options to the Kafka clients (the job's contract: `kafka.*`
# settings go to the sources and sinks unchanged).
PASS_THROUGH_PREFIXES = ("kafka.",)


def load_yaml_docs(path: Path) -> list:
    with path.open(encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def load_compose() -> dict:
    (doc,) = load_yaml_docs(COMPOSE_FILE)
    return doc


def interpolate_defaults(text: str) -> str:
    """Compose's ${VAR:-default} with no variables set (what `docker compose` does by default)."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}", r"\1", text)


def read_topics_conf(path: Path = TOPICS_CONF) -> dict[str, tuple[int, dict[str, str]]]:
    """Parses topics.conf the way create-topics.sh does: non-comment lines `name partitions k=v,k=v`."""
    out: dict[str, tuple[int, dict[str, str]]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, partitions, configs = line.split()
        assert name not in out, f"topic {name} listed twice in {path}"
        out[name] = (int(partitions), dict(kv.split("=", 1) for kv in configs.split(",")))
    return out


def read_job_conf(text: str) -> dict[str, str]:
    """The job's --config syntax (JobSettings.fromFile): `key: value` or `key=value`, # comments."""
    out: dict[str, str] = {}
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        seps = [i for i in (line.find(":"), line.find("=")) if i >= 0]
        assert seps and min(seps) > 0, f"line {n}: {raw!r} is not 'key: value'"
        sep = min(seps)
        key = line[:sep].strip()
        assert key not in out, f"line {n}: key {key} given twice"
        out[key] = line[sep + 1 :].strip()
    return out


def job_config_keys(sources: tuple[Path, ...] = JOB_OPTIONS_JAVA) -> set[str]:
    """The keys the jobs accept, read from the option declarations without compiling them.

    Why this way: every option is one declaration in CommonOptions, EmbSumOptions or
    ArchiveOptions (flink-jobs/README.md, Configuration) through its group, by kind:
    `DECLARED.text("key", ...)` (likewise duration, number, memory, choice) with the key as a
    string literal, or `DECLARED.topic(Topic.X, ...)`, whose key is "topic." + the default name
    of Topic.X in schemas' Topic.java. Collecting those gives exactly the accepted set (a config
    file may hold both jobs' keys), independent of formatting and of the README's table. Running
    Java would be exact too but needs a Maven build inside pytest (the Java OptionDocsTest loads
    these same files with both jobs' loaders). The caller checks the result is plausible, so a
    refactor that defeats this parser fails loudly instead of passing with an empty set.
    """
    topic_names = dict(re.findall(r'^\s+([A-Z_]+)\("([^"]+)"', TOPIC_JAVA.read_text(), flags=re.M))
    keys: set[str] = set()
    for java in sources:
        src = java.read_text(encoding="utf-8")
        found = re.findall(
            r'DECLARED\s*\.\s*(?:text|duration|number|memory|choice)\(\s*"([^"]+)"', src
        )
        found += [
            "topic." + topic_names[t]
            for t in re.findall(r"DECLARED\s*\.\s*topic\(\s*Topic\.([A-Z_]+)", src)
        ]
        assert found, f'no option declaration (DECLARED.text("...", ...) etc.) in {java.name}'
        keys.update(found)
    return keys


def k8s_docs() -> dict[str, list]:
    """Every YAML document under k8s/ by file name."""
    return {p.name: load_yaml_docs(p) for p in sorted(K8S.glob("*.yaml"))}


def one(docs: list, kind: str) -> dict:
    found = [d for d in docs if d.get("kind") == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def stub_command(bin_dir: Path, name: str, script: str) -> Path:
    """Writes an executable stand-in for command `name` into `bin_dir` (put it first on PATH)."""
    path = bin_dir / name
    path.write_text(script)
    path.chmod(0o755)
    return path


def run_bash(
    script: Path, *args: str, env: dict | None = None, cwd: Path | None = None, timeout: int = 60
) -> subprocess.CompletedProcess:
    """`bash SCRIPT ARGS...` with its output captured as text (how the tests run the scripts)."""
    return subprocess.run(
        ["bash", str(script), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def assert_job_jvm_settings(conf: dict[str, str]) -> None:
    """The Flink settings the job needs wherever it runs (compose and the FlinkDeployment): ONNX
    Runtime and DJL loaded parent-first; Avro's class trust in every Flink JVM, ONNX Runtime's
    stack in TaskManagers (both verified on a session cluster: without the first the job fails
    on its first record)."""
    patterns = conf["classloader.parent-first-patterns.additional"].split(";")
    assert "ai.onnxruntime." in patterns and "ai.djl." in patterns
    assert (
        "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=dev.embsum.avro"
        in conf["env.java.opts.all"].split()
    )
    assert "-Xss16m" in conf["env.java.opts.taskmanager"].split()


def repo_files() -> list[str]:
    """Tracked files plus new files git does not ignore; without git, a walk of the tree."""
    try:
        out = subprocess.run(
            [
                "git",
                "-C",
                str(REPO),
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            capture_output=True,
            check=True,
        ).stdout.decode("utf-8")
        paths = [p for p in out.split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "target", "build", "runs", "node_modules", "__pycache__"}
        paths = []
        for root, dirs, files in os.walk(REPO):
            dirs[:] = [d for d in dirs if d not in skip]
            paths += [os.path.relpath(os.path.join(root, f), REPO) for f in files]
    return sorted(p.replace(os.sep, "/") for p in paths)
