"""Close the loop: retrain from the event archive, gate, release (docs/retrain.md).

    python -m embsum_retrain --archive ARCHIVE --bundle-store STORE --serving-bundle STORE/<v>|none

Modules, one concept each: gate (the release rule), store (bundle store layout, the serving
model's checkpoint beside its bundle), release (ModelRelease JSON, the publish hook), report
(retrain.json / retrain.md), run (a run's settings, result, stage clock and report document),
pipeline (the stages up to the gate, in order), release_stages (export, verify, store, publish),
cli (the command line).

Its own package because it is the one piece that needs both the training package (embsum:
archive reader, teacher, trainer, evaluation) and the exporter (embsum_export: export, verify,
bundle I/O), which itself depends on embsum: placed above both, the graph stays acyclic
(docs/development.md, "Python packages").
"""

from embsum_retrain.gate import DEFAULT_MARGIN, GateDecision, decide
from embsum_retrain.pipeline import default_model_version, retrain
from embsum_retrain.run import RetrainResult, RetrainSettings
from embsum_retrain.store import ServingModel, StoreError, serving_model

__all__ = [
    "DEFAULT_MARGIN",
    "GateDecision",
    "RetrainResult",
    "RetrainSettings",
    "ServingModel",
    "StoreError",
    "decide",
    "default_model_version",
    "retrain",
    "serving_model",
]
