"""The deployment's hardening (issue 18, item 4; docs/operations.md "Hardening"), checked on the
manifests as `kubectl kustomize` renders them (the files themselves where kubectl is missing):
every container locked down, Flink's writable paths on emptyDirs, no jar upload through the REST
API, a NetworkPolicy that limits what TaskManagers reach, and root-owned image files. On paper:
no cluster admits or runs them here."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess

import pytest
import yaml

from ops_fixtures import K8S, REPO, k8s_docs

LOCKED_DOWN = {
    "readOnlyRootFilesystem": True,
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
# Where Flink writes at run time (besides RocksDB's localdir): io.tmp.dirs and the log files.
FLINK_WRITABLE = {"/tmp", "/opt/flink/log"}
FLINK_APPS = {"embsum-stream", "embsum-archive"}


@pytest.fixture(scope="module")
def rendered() -> list[dict]:
    if shutil.which("kubectl"):
        run = subprocess.run(
            ["kubectl", "kustomize", str(K8S)], capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 0, run.stderr
        return [d for d in yaml.safe_load_all(run.stdout) if d]
    docs = k8s_docs()
    listed = yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"]
    return [d for name in listed for d in docs[name] if d]


def pod_specs(doc: dict) -> list[tuple[str, dict]]:
    """(where, pod spec) of every pod a manifest makes: a FlinkDeployment's common, JobManager and
    TaskManager templates (the operator merges them by container name), a CronJob's job pod."""
    name = f"{doc['kind']} {doc['metadata']['name']}"
    if doc["kind"] == "FlinkDeployment":
        spec = doc["spec"]
        out = [(f"{name} podTemplate", spec["podTemplate"]["spec"])]
        for role in ("jobManager", "taskManager"):
            template = spec.get(role, {}).get("podTemplate")
            if template:
                out.append((f"{name} {role}.podTemplate", template["spec"]))
        return out
    if doc["kind"] == "CronJob":
        return [(name, doc["spec"]["jobTemplate"]["spec"]["template"]["spec"])]
    return []


def hardening_problems(docs: list[dict]) -> list[str]:
    """What breaks the rules, one line each (empty: all hold)."""
    problems = []
    for doc in docs:
        pods = pod_specs(doc)
        # the containers a role template may leave to the common one (merged by name)
        inherited = {c["name"] for c in pods[0][1].get("containers", [])} if pods else set()
        for where, pod in pods:
            common = where.endswith(" podTemplate") or doc["kind"] == "CronJob"
            for c in pod.get("initContainers", []) + pod.get("containers", []):
                context = c.get("securityContext")
                if (context or {}).get("privileged"):
                    problems.append(f"{where} container {c['name']}: privileged")
                if not common and c["name"] not in inherited and context is None:
                    problems.append(f"{where} container {c['name']}: a new container, unhardened")
                    continue
                if common and context is None:
                    problems.append(f"{where} container {c['name']}: no securityContext")
                    continue
                # a role template may leave it to the common one, but never weaken it
                for key, value in (context or {}).items():
                    if key in LOCKED_DOWN and value != LOCKED_DOWN[key]:
                        problems.append(f"{where} container {c['name']}: {key} = {value!r}")
                for key, value in LOCKED_DOWN.items():
                    if common and context.get(key) != value:
                        problems.append(f"{where} container {c['name']}: {key} is not {value!r}")
                if any(e.get("name") == "ENABLE_BUILT_IN_PLUGINS" for e in c.get("env", [])):
                    problems.append(f"{where}: ENABLE_BUILT_IN_PLUGINS writes into the image")
        if doc["kind"] == "FlinkDeployment":
            pod = doc["spec"]["podTemplate"]["spec"]
            (main,) = [c for c in pod["containers"] if c["name"] == "flink-main-container"]
            empty_dirs = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
            mounted = {
                m["mountPath"] for m in main.get("volumeMounts", []) if m["name"] in empty_dirs
            }
            for path in sorted(FLINK_WRITABLE - mounted):
                problems.append(f"FlinkDeployment {doc['metadata']['name']}: {path} is no emptyDir")
            if doc["spec"]["flinkConfiguration"].get("web.submit.enable") != "false":
                problems.append(f"FlinkDeployment {doc['metadata']['name']}: web.submit.enable")
    return problems


def test_every_container_is_locked_down_and_flink_writes_only_to_empty_dirs(rendered):
    assert hardening_problems(rendered) == []
    containers = [
        c["name"]
        for d in rendered
        for _, pod in pod_specs(d)
        for c in pod.get("initContainers", []) + pod.get("containers", [])
    ]
    # the two deployments' main containers, the CronJob's two, and (rendered with the GPU patch)
    # the GPU TaskManager's
    assert len(containers) >= (5 if shutil.which("kubectl") else 4), containers


@pytest.mark.parametrize(
    "plant",
    [
        "readOnlyRootFilesystem",
        "allowPrivilegeEscalation",
        "capabilities",
        "seccompProfile",
        "tmp",
        "web.submit.enable",
        "gpu-template-weakens",
        "gpu-template-adds-a-sidecar",
        "privileged",
    ],
)
def test_the_check_catches_a_planted_violation(rendered, plant):
    docs = copy.deepcopy(rendered)
    stream = next(d for d in docs if d["metadata"]["name"] == "embsum-stream")
    main = stream["spec"]["podTemplate"]["spec"]["containers"][0]
    if plant in LOCKED_DOWN:
        del main["securityContext"][plant]
    elif plant == "tmp":
        main["volumeMounts"] = [m for m in main["volumeMounts"] if m["mountPath"] != "/tmp"]
    elif plant == "web.submit.enable":
        stream["spec"]["flinkConfiguration"]["web.submit.enable"] = "true"
    elif plant == "privileged":
        main["securityContext"]["privileged"] = True
    else:
        template = stream["spec"].get("taskManager", {}).get("podTemplate")
        if template is None:
            pytest.skip(
                "the GPU TaskManager template comes with the patch: needs kubectl kustomize"
            )
        if plant == "gpu-template-weakens":
            template["spec"]["containers"][0]["securityContext"] = {
                "allowPrivilegeEscalation": True
            }
        else:
            template["spec"]["containers"].append({"name": "sidecar", "image": "busybox"})
    assert hardening_problems(docs)


def test_the_network_policy_limits_taskmanagers(rendered):
    (policy,) = [d for d in rendered if d["kind"] == "NetworkPolicy"]
    spec = policy["spec"]
    selected = {e["key"]: set(e["values"]) for e in spec["podSelector"]["matchExpressions"]}
    assert selected == {"app": FLINK_APPS, "component": {"taskmanager"}}
    assert set(spec["policyTypes"]) == {"Ingress", "Egress"}

    peers = [(rule.get("ports", []), peer) for rule in spec["egress"] for peer in rule["to"]]
    kafka = [
        p
        for ports, p in peers
        if "strimzi.io/cluster" in p.get("podSelector", {}).get("matchLabels", {})
    ]
    (kafka,) = kafka
    bootstrap = yaml.safe_load((K8S / "job-config.yaml").read_text())["data"]["job.conf"]
    cluster = kafka["podSelector"]["matchLabels"]["strimzi.io/cluster"]
    assert re.search(rf"kafka\.bootstrap\.servers[:=]\s*{cluster}-kafka-bootstrap:", bootstrap)
    flink = [
        p for _, p in peers if "matchExpressions" in p.get("podSelector", {})
    ]  # the JobManager and the other TaskManagers
    assert [
        {e["key"]: set(e["values"]) for e in p["podSelector"]["matchExpressions"]} for p in flink
    ] == [{"app": FLINK_APPS}]
    # nothing else by pod or namespace but cluster DNS; the rest are named address blocks
    for ports, p in peers:
        if p is kafka or p in flink:
            continue
        if "ipBlock" in p:
            assert {port["port"] for port in ports} <= {443, 6443}, p
        else:
            assert p["podSelector"]["matchLabels"] == {"k8s-app": "kube-dns"}, p
            assert {port["port"] for port in ports} == {53}
    assert all("ipBlock" not in peer or peer["ipBlock"]["cidr"] != "0.0.0.0/0" for _, peer in peers)


def test_the_job_image_files_belong_to_root():
    dockerfile = (REPO / "deploy" / "flink" / "Dockerfile").read_text()
    copies = [line for line in dockerfile.splitlines() if line.startswith("COPY ")]
    assert copies
    for line in copies:
        assert "--chown=root:root" in line and "--chmod=755" in line, line
    assert "/opt/flink/plugins/s3-fs-presto" in dockerfile, "the S3 plugin is baked in"
    # the retrain image copies as root (no --chown) and runs as uid 9999
    retrain = (REPO / "deploy" / "retrain" / "Dockerfile").read_text()
    assert "--chown" not in retrain
    assert "USER 9999" in retrain
