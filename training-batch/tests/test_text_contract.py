"""TextConfig: defaults, validation, round trip."""

from __future__ import annotations

import dataclasses

import pytest

from embsum.text import TextConfig


def test_defaults() -> None:
    cfg = TextConfig()
    assert (cfg.sos_id, cfg.eos_id, cfg.pad_id, cfg.unk_id) == (32099, 1, 0, 2)
    assert (cfg.H, cfg.p, cfg.l, cfg.item_max_tokens) == (60, 4, 512, 124)
    assert [(c.label, c.field, c.max_tokens) for c in cfg.clauses["news"]] == [
        ("News Title:", "title", 32),
        ("News Abstract:", "abstract", 72),
        ("News Category:", "category", 8),
    ]
    assert [(c.label, c.field, c.max_tokens) for c in cfg.clauses["book"]] == [
        ("Book Title:", "title", 24),
        ("Book Description:", "description", 85),
    ]
    assert cfg.validate() is cfg


def test_boundary_is_accepted() -> None:
    # p * item_max_tokens + 1 = 4 * 127 + 1 = 509 == l: exactly at the limit is fine.
    TextConfig(item_max_tokens=127, l=509).validate()


def test_session_overflow_is_refused_naming_both_numbers() -> None:
    with pytest.raises(ValueError) as err:
        TextConfig(p=5).validate()  # 5 * 124 + 1 = 621 > 512
    assert "621" in str(err.value) and "512" in str(err.value)
    with pytest.raises(ValueError, match="497.*496"):
        TextConfig(l=496).validate()


@pytest.mark.parametrize("field,value", [("H", 0), ("p", 0), ("item_max_tokens", -1)])
def test_non_positive_sizes_refused(field: str, value: int) -> None:
    with pytest.raises(ValueError, match=field):
        dataclasses.replace(TextConfig(), **{field: value}).validate()


def test_frozen_and_round_trip() -> None:
    cfg = TextConfig(p=1, H=10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.p = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        cfg.clauses["news"] = ()  # type: ignore[index]
    d = cfg.to_dict()
    assert d["p"] == 1 and d["H"] == 10
    assert d["clauses"]["news"][1] == {
        "label": "News Abstract:",
        "field": "abstract",
        "max_tokens": 72,
    }
    assert TextConfig.from_dict(d) == cfg
    assert hash(TextConfig.from_dict(d)) == hash(cfg)
    with pytest.raises(ValueError, match="unknown keys"):
        TextConfig.from_dict({**d, "Hh": 3})
