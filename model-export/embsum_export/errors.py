"""Errors of the bundle tools. Every bundle problem names the file it is about."""

from __future__ import annotations


class BundleError(Exception):
    """A model bundle is missing, damaged, inconsistent or does not reproduce its golden vectors.

    `file` is the bundle-relative path (or the archive path) the problem is about; the message
    always starts with it, so a log line alone says which file to look at.
    """

    def __init__(self, file: str, problem: str):
        self.file = file
        self.problem = problem
        super().__init__(f"{file}: {problem}")


class ParityError(BundleError):
    """ONNX Runtime does not reproduce the golden (PyTorch) outputs within tolerance."""
