"""The ModelRelease of a stored bundle, and the hook that publishes it.

The release is written as the record's plain JSON (embsum.wire.plain_json: `released_at` in epoch
milliseconds), after a round trip through the Avro codec, so a file that exists is a valid
ModelRelease. Publishing to the `model-releases` topic is done by another program (the Java CLI
`scripts/embsum release <bundle> --bootstrap-servers ...`): `--publish-command` is a command
template run once the bundle is in the store. Placeholders:

    {bundle}          the stored bundle directory (absolute)
    {model_version}   the release's model_version
    {bundle_sha256}   sha256 of its manifest.json
    {bundle_uri}      the release's bundle_uri
    {release_json}    the release JSON file in the store

The template is split like a shell would split it (shlex) *before* the placeholders are filled,
so paths with spaces stay one argument, and it runs without a shell.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from embsum.wire.plain_json import to_plain_json
from embsum.wire.single_object import decode, encode

PLACEHOLDERS = ("bundle", "model_version", "bundle_sha256", "bundle_uri", "release_json")


class PublishError(RuntimeError):
    """The publish command failed; the bundle stays in the store, unannounced."""


def model_release(
    model_version: str, bundle: Path, bundle_sha256: str, released_at: datetime | None = None
) -> dict[str, Any]:
    """ModelRelease as plain JSON; bundle_uri is the bundle directory's file:// URI."""
    value = {
        "model_version": model_version,
        "bundle_uri": Path(bundle).resolve().as_uri(),
        "bundle_sha256": bundle_sha256,
        "released_at": released_at or datetime.now(timezone.utc),
    }
    decode("ModelRelease", encode("ModelRelease", value))  # a valid record, or ValueError
    return to_plain_json("ModelRelease", value)


def write_release(path: Path, release: dict[str, Any]) -> Path:
    path.write_text(json.dumps(release, indent=2) + "\n", encoding="utf-8")
    return path


def check_template(template: str) -> list[str]:
    """The template's argv (unfilled); ValueError for an unknown placeholder or bad quoting."""
    try:
        argv = shlex.split(template)
    except ValueError as e:
        raise ValueError(f"--publish-command {template!r}: {e}") from None
    if not argv:
        raise ValueError("--publish-command is empty")
    fields = {k: "" for k in PLACEHOLDERS}
    for arg in argv:
        try:
            arg.format(**fields)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(
                f"--publish-command argument {arg!r}: unknown or malformed placeholder ({e}); "
                f"use {', '.join('{' + p + '}' for p in PLACEHOLDERS)} (double braces for a "
                "literal brace)"
            ) from None
    return argv


def publish(
    template: str, values: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """Run the filled-in command; PublishError (with its output) if it exits non-zero."""
    argv = [arg.format(**values) for arg in check_template(template)]
    try:
        done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    except OSError as e:
        raise PublishError(f"cannot run the publish command {shlex.join(argv)}: {e}") from None
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-2000:]
        raise PublishError(
            f"the publish command {shlex.join(argv)} exited with {done.returncode}:\n{tail}"
        )
    return done
