"""The retraining loop's scripts under test (deploy/retrain): their paths, and `Loop`, a bundle
store, an archive and a work area in a temporary directory with a stub `python` and a stub
`embsum` on PATH, to run retrain-cycle.sh and publish.sh against."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ops_fixtures import RETRAIN, run_bash, stub_command

CYCLE = RETRAIN / "retrain-cycle.sh"
PUBLISH = RETRAIN / "publish.sh"
STORE_MOUNT = "/opt/embsum/bundles"
APP = "/opt/embsum/app"  # the image's copy of the repository (deploy/retrain/Dockerfile)

# A stub `python -m embsum_retrain` with the real one's contract (docs/retrain.md): it records its
# arguments, writes the report, and with exit 0 stores the bundle and runs --publish-command
# (failing with 1 if that fails); with 3 (gate refused) it stores nothing.
STUB_PYTHON = """#!{exe}
import json, os, shlex, subprocess, sys
from pathlib import Path
state = Path(os.environ["STUB_STATE"])
with open(state / "python-calls.jsonl", "a") as f:
    f.write(json.dumps({{"argv": sys.argv[1:], "cwd": os.getcwd(), "cache": os.environ.get("EMBSUM_CACHE_DIR")}}) + "\\n")
if sys.argv[1:3] != ["-m", "embsum_retrain"]:
    sys.exit(f"stub python: unexpected {{sys.argv[1:]}}")
args = sys.argv[3:]
def opt(name):
    return args[args.index(name) + 1]
store, version, work = Path(opt("--bundle-store")), opt("--model-version"), Path(opt("--work-dir"))
rc = int(os.environ.get("STUB_RETRAIN_EXIT", "0"))
work.mkdir(parents=True)
status = {{0: "released", 3: "gate_failed"}}.get(rc, "failed")
(work / "retrain.json").write_text(json.dumps({{"model_version": version, "status": status}}))
(work / "retrain.md").write_text(f"# retrain {{version}}: {{status}}\\n")
if rc == 0:
    (store / version).mkdir()
    (store / version / "manifest.json").write_text(json.dumps({{"model_version": version}}))
    (store / (version + ".checkpoint.pt")).write_bytes(b"weights")
    values = dict(bundle=str(store / version), model_version=version, bundle_sha256="0" * 64,
                  bundle_uri=(store / version).as_uri(), release_json=str(store / (version + ".release.json")))
    done = subprocess.run([a.format(**values) for a in shlex.split(opt("--publish-command"))])
    if done.returncode != 0:
        print(f"python -m embsum_retrain: error: PublishError: exited with {{done.returncode}}", file=sys.stderr)
        sys.exit(1)
sys.exit(rc)
"""

STUB_EMBSUM = r"""#!/usr/bin/env bash
printf '%s\n' "$*" >> "$STUB_STATE/embsum-calls"
exit "${STUB_EMBSUM_EXIT:-0}"
"""


class Loop:
    """A bundle store, an archive, a work area and stubs on PATH in tmp_path."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.store = tmp / "store"
        self.archive = tmp / "archive"
        self.work = tmp / "work"
        for d in (self.store, self.archive / "clicks"):
            d.mkdir(parents=True)
        self.bin = tmp / "bin"
        self.bin.mkdir()
        stub_command(self.bin, "python", STUB_PYTHON.format(exe=sys.executable))
        stub_command(self.bin, "embsum", STUB_EMBSUM)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("EMBSUM_", "STUB_"))}
        self.env = dict(
            base,
            PATH=f"{self.bin}:{os.environ['PATH']}",
            STUB_STATE=str(tmp),
            EMBSUM_BOOTSTRAP_SERVERS="embsum-kafka-kafka-bootstrap:9092",
            EMBSUM_BUNDLE_STORE=str(self.store),
            EMBSUM_ARCHIVE=str(self.archive),
            EMBSUM_WORK_DIR=str(self.work),
        )

    def cycle(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return run_bash(CYCLE, *args, env={**self.env, **env}, cwd=self.tmp, timeout=120)

    def publish(self, *args: str, **env: str) -> subprocess.CompletedProcess:
        return run_bash(PUBLISH, *args, env={**self.env, **env}, cwd=self.tmp)

    def released(self, version: str) -> Path:
        """A bundle released earlier (by a previous cycle)."""
        (self.store / version).mkdir()
        (self.store / version / "manifest.json").write_text(json.dumps({"model_version": version}))
        return self.store / version

    def python_calls(self) -> list[dict]:
        f = self.tmp / "python-calls.jsonl"
        return [json.loads(line) for line in f.read_text().splitlines()] if f.exists() else []

    def retrain_args(self) -> dict[str, str]:
        (call,) = self.python_calls()
        argv = call["argv"][2:]
        return dict(zip(argv[::2], argv[1::2]))

    def embsum_calls(self) -> list[list[str]]:
        f = self.tmp / "embsum-calls"
        return [line.split() for line in f.read_text().splitlines()] if f.exists() else []

    def current(self) -> str | None:
        f = self.store / "CURRENT"
        return f.read_text() if f.exists() else None
