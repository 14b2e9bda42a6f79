"""argparse value types shared by the command-line tools, so a bad number gets the same clear
message everywhere ("expected a whole number, got 'ten' (e.g. 100)", "must be at least 1")."""

from __future__ import annotations

import argparse
from typing import Callable, TypeVar

N = TypeVar("N", int, float)


def _parse(text: str, kind: Callable[[str], N], what: str, example: str) -> N:
    try:
        return kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected {what}, got {text!r} (e.g. {example})"
        ) from None


def positive_int(text: str) -> int:
    value = _parse(text, int, "a whole number", "100")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    value = _parse(text, int, "a whole number", "5")
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def positive_float(text: str) -> float:
    value = _parse(text, float, "a number", "60")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value
