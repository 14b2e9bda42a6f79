"""Close the loop: retrain from the event archive, gate, release (docs/retrain.md).

    python -m embsum.retrain --archive ARCHIVE --bundle-store STORE --serving-bundle STORE/<v>|none

Modules, one concept each: gate (the release rule), store (bundle store layout, the serving
model's checkpoint beside its bundle), release (ModelRelease JSON, the publish hook), report
(retrain.json / retrain.md), pipeline (the stages, timed), cli (the command line).
"""

from embsum.retrain.gate import DEFAULT_MARGIN, GateDecision, decide
from embsum.retrain.pipeline import RetrainResult, RetrainSettings, default_model_version, retrain
from embsum.retrain.store import ServingModel, StoreError, serving_model

__all__ = ["DEFAULT_MARGIN", "GateDecision", "RetrainResult", "RetrainSettings", "ServingModel", "StoreError",
           "decide", "default_model_version", "retrain", "serving_model"]
