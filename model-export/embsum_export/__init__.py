"""EmbSum model export: ONNX graphs, model bundle (manifest, checksums, golden vectors), the
ONNX Runtime reference runtime (the Java glue in Python) and the bundle verifier.

See docs/model-bundle.md for the bundle format and what the Java runtime must do.
"""

from .bundle import export_bundle
from .bundle_reader import opened_bundle
from .errors import BundleError, ParityError
from .runtime import OnnxEmbSum, UserRefresh, score_all
from .verify import VerifyReport, verify_bundle

__all__ = [
    "BundleError",
    "OnnxEmbSum",
    "ParityError",
    "UserRefresh",
    "VerifyReport",
    "export_bundle",
    "opened_bundle",
    "score_all",
    "verify_bundle",
]
