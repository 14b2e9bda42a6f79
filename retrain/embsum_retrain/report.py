"""The retrain report: `retrain.json` (everything, machine-readable) and `retrain.md` (the
decision, both models' dev metrics side by side, the data and each stage's duration), written
to the work directory by every run, also a failed one. Formatting follows embsum.report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from embsum.report import format_seconds, format_value, metrics_row

JSON_NAME = "retrain.json"
MD_NAME = "retrain.md"


def render(doc: dict[str, Any]) -> str:
    status = doc.get("status")
    gate = doc.get("gate") or {}
    data = doc.get("data") or {}
    L: list[str] = [f"# EmbSum retrain report: {doc.get('model_version')}", ""]
    headline = {
        "released": "**RELEASED**",
        "gate_failed": "**NOT RELEASED** (the gate refused the new model)",
        "failed": "**FAILED**",
    }.get(status, str(status))
    L.append(
        f"Status: {headline}. Started {doc.get('started_at')}, total {format_seconds(doc.get('total_seconds'))}."
    )
    if doc.get("error"):
        L += ["", f"> Error: {doc['error']}"]
    for note in doc.get("notes") or []:
        L += ["", f"> Note: {note}"]
    L += ["", "## Gate", ""]
    if gate:
        L.append(
            f"Rule: release iff new AUC >= serving AUC - margin (margin {gate.get('margin')}). "
            f"Decision: **{'pass' if gate.get('passed') else 'fail'}**: {gate.get('reason')}."
        )
        L += [
            "",
            "| model | AUC | MRR | nDCG@5 | nDCG@10 | ROUGE-1 | ROUGE-2 | ROUGE-L | impressions | eval time |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        serving = doc.get("serving")
        new_name = f"new ({doc.get('model_version')})"
        serving_name = f"serving ({serving['model_version']})" if serving else "serving (none)"
        L.append(metrics_row(new_name, gate.get("candidate"), "seconds", format_seconds))
        L.append(metrics_row(serving_name, gate.get("serving"), "seconds", format_seconds))
        L += [
            "",
            f"Both evaluated on the dev day {', '.join(data.get('dev_days') or [])} with embsum.metrics "
            f"(official MIND definitions), user global vector: {doc.get('train_config', {}).get('eval_global')}.",
        ]
    else:
        L.append("The run stopped before the gate.")
    L += ["", "## Stages", "", "| stage | time | note |", "|---|---|---|"]
    for st in doc.get("stages") or []:
        L.append(f"| {st['name']} | {format_seconds(st['seconds'])} | {st.get('note') or ''} |")
    L.append(f"| **total** | {format_seconds(doc.get('total_seconds'))} | |")
    if data:
        L += ["", "## Data", ""]
        L.append(f"- archive `{data.get('archive')}`; split {data.get('split')}")
        L.append(
            f"- train: {format_value(data.get('train_examples'))} examples"
            + (
                f" ({data['train_skipped_empty_history']} with an empty history left out)"
                if data.get("train_skipped_empty_history")
                else ""
            )
            + f"; dev: {format_value(data.get('dev_impressions'))} impressions "
            f"({format_value(data.get('dev_evaluated'))} evaluated)"
        )
        per_day = data.get("per_day") or {}
        if per_day:
            L.append(
                "- per day (impressions / clicks): "
                + ", ".join(
                    f"{d} {v['impressions']}/{v['clicks']}" for d, v in sorted(per_day.items())
                )
            )
        secs = data.get("seconds") or {}
        if secs:
            L.append(
                f"- read + examples + tokens {format_seconds(secs.get('prepare'))}, teacher summaries "
                f"{format_seconds(secs.get('teacher'))} ({(doc.get('teacher') or {}).get('kind') or 'none'})"
            )
    L += ["", "## Models", ""]
    ws = doc.get("warm_start") or {}
    L.append(
        f"- start: {ws.get('from')}"
        + (f" (`{ws.get('checkpoint')}`)" if ws.get("checkpoint") else "")
    )
    serving = doc.get("serving")
    L.append(
        f"- serving: {serving['model_version']} (`{serving['bundle']}`, weights `{serving['checkpoint']}`)"
        if serving
        else "- serving: none (first release)"
    )
    tr = doc.get("training") or {}
    if tr:
        tc = doc.get("train_config") or {}
        L.append(
            f"- training: {tr.get('steps')} steps, backbone `{tc.get('model')}`, batch {tc.get('batch_size')}, "
            f"lr {tc.get('lr')}; run directory `{tr.get('run_dir')}`"
        )
    if doc.get("stored"):
        st = doc["stored"]
        L.append(f"- stored: `{st['bundle']}` + `{st['checkpoint']}`")
    if doc.get("release"):
        L += ["", "## ModelRelease", "", "```json", json.dumps(doc["release"], indent=2), "```"]
    if doc.get("publish"):
        L += ["", f"Published with `{' '.join(map(str, doc['publish']['command']))}`."]
    return "\n".join(L) + "\n"


def write_report(work_dir: Path, doc: dict[str, Any]) -> dict[str, Path]:
    work_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": work_dir / JSON_NAME, "md": work_dir / MD_NAME}
    paths["json"].write_text(json.dumps(doc, indent=2, default=str) + "\n", encoding="utf-8")
    paths["md"].write_text(render(doc), encoding="utf-8")
    return paths
