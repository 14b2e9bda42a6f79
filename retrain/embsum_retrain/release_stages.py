"""The stages after the gate passed: export the candidate (checkpoint -> ONNX bundle), verify
the bundle, put it into the bundle store with its ModelRelease, run the publish hook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from embsum.digest import sha256_file
from embsum.model import load_checkpoint, save_checkpoint
from embsum.train.loop import TrainResult
from embsum_export.bundle import export_bundle
from embsum_export.bundle_reader import check_files, manifest_sha256, read_manifest
from embsum_export.verify import VerifyReport, verify_bundle
from embsum_retrain.release import model_release, publish, write_release
from embsum_retrain.run import Retrain, finite
from embsum_retrain.store import StoredRelease, checkpoint_name, put

CHECKPOINT_KIND = "embsum-release-checkpoint/1"


# --- export: checkpoint -> ONNX bundle; verify: checksums, graphs, golden parity ------------------
def export_stage(run: Retrain, trained: TrainResult) -> tuple[Path, Path]:
    """(the release checkpoint, the exported bundle directory), both in the work directory."""
    s, cfg, doc = run.s, run.cfg, run.doc
    st = trained.state
    ckpt = s.work_dir / checkpoint_name(s.model_version)
    training_data = finite(
        {
            "source": "event archive",
            **{
                k: doc["data"].get(k)
                for k in (
                    "archive",
                    "split",
                    "train_days",
                    "dev_days",
                    "train_examples",
                    "dev_impressions",
                )
            },
            "warm_start": doc["warm_start"],
            "serving_model_version": s.serving.model_version if s.serving else None,
            "train_config": cfg.to_dict(),
            "state": {"step": st.step, "train_seconds": round(st.train_seconds, 3)},
        }
    )
    metrics = finite(
        {
            **run.result.candidate,
            "split": "dev",
            "dev_days": doc["data"].get("dev_days"),
            "gate": run.result.decision.to_dict(),
        }
    )

    def export() -> Path:
        save_checkpoint(
            trained.model,
            ckpt,
            step=st.step,
            extra={
                "kind": CHECKPOINT_KIND,
                "model_version": s.model_version,
                "teacher_kind": cfg.teacher,
                "train_config": cfg.to_dict(),
                "training_data": training_data,
                "metrics": metrics,
            },
        )
        model = load_checkpoint(ckpt).model  # export exactly what the store will keep
        return export_bundle(
            model,
            s.work_dir / "bundle",
            s.model_version,
            untrained=False,
            teacher_kind=cfg.teacher,
            training_data=training_data,
            metrics=metrics,
            checkpoint={"file": ckpt.name, "sha256": sha256_file(ckpt), "step": st.step},
            threads=s.export_threads,
            force=True,
        )

    return ckpt, run.clock.run("export", export, f"ONNX bundle {s.model_version}")


def verify_stage(run: Retrain, bundle: Path) -> VerifyReport:
    verified = run.clock.run(
        "verify",
        lambda: verify_bundle(bundle, threads=run.s.export_threads),
        "checksums, graphs, golden parity on ONNX Runtime",
    )
    run.doc["bundle"] = {"exported": str(bundle), "verify": verified.to_dict()}
    return verified


# --- store: bundle + checkpoint into the bundle store, the ModelRelease beside them ---------------
def store_stage(
    run: Retrain, bundle: Path, ckpt: Path, verified: VerifyReport
) -> tuple[StoredRelease, dict[str, Any]]:
    s = run.s

    def store() -> tuple[StoredRelease, dict[str, Any]]:
        stored = put(s.bundle_store, bundle, ckpt)
        check_files(stored.bundle, read_manifest(stored.bundle, verified.manifest_sha256))
        release = model_release(s.model_version, stored.bundle, manifest_sha256(stored.bundle))
        write_release(stored.release_json, release)
        write_release(s.work_dir / "release.json", release)
        return stored, release

    stored, release = run.clock.run("store", store, str(s.bundle_store))
    run.result.stored, run.result.release = stored, release
    run.doc["release"] = release
    run.doc["stored"] = {
        "bundle": str(stored.bundle),
        "checkpoint": str(stored.checkpoint),
        "release_json": str(stored.release_json),
    }
    return stored, release


# --- publish: the --publish-command hook ------------------------------------------------------------
def publish_stage(run: Retrain, stored: StoredRelease, release: dict[str, Any]) -> None:
    s = run.s
    values = {
        "bundle": str(stored.bundle.resolve()),
        "model_version": s.model_version,
        "bundle_sha256": release["bundle_sha256"],
        "bundle_uri": release["bundle_uri"],
        "release_json": str(stored.release_json.resolve()),
    }
    done = run.clock.run("publish", lambda: publish(s.publish_command, values), s.publish_command)
    run.doc["publish"] = {
        "command": done.args,
        "stdout": done.stdout[-2000:],
        "returncode": done.returncode,
    }
