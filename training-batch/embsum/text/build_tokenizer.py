"""Build ``tokenizer.json`` (Hugging Face ``tokenizers`` format) from T5's ``spiece.model``.

Why this exists: Python and Java must tokenise identically, and the simplest way to guarantee
that is for both to run the *same* Rust tokenizer (``tokenizers`` in Python, DJL's
``HuggingFaceTokenizer`` in Java) from one committed ``tokenizer.json``. Only the SentencePiece
model was available offline, so this module converts it, offline and deterministically.

Usage::

    python -m embsum.text.build_tokenizer [--spiece PATH] [--out DIR]

The conversion is done by ``transformers`` (its slow->fast T5 converter). In transformers 5.x
``T5TokenizerFast(vocab_file=...)`` is broken (it yields a 104-token vocabulary), so the model
is loaded with ``T5Tokenizer.from_pretrained(dir, extra_ids=100)`` from a temporary directory
that holds *only* ``spiece.model`` (so an existing ``tokenizer.json`` is never picked up and
re-saved instead of being rebuilt), then saved with ``save_pretrained``. With the pinned
versions in requirements.txt the output is byte-identical on every run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
from pathlib import Path

from embsum.digest import sha256_file
from embsum.text.paths import SPIECE_MODEL, TOKENIZER_DIR

#: Ids the text contract relies on (docs/text-contract.md section 1).
EXPECTED_IDS: dict[str, int] = {
    "<pad>": 0,
    "</s>": 1,
    "<unk>": 2,
    "<extra_id_99>": 32000,
    "<extra_id_0>": 32099,
}
EXPECTED_VOCAB_SIZE = 32100


def build_tokenizer_json(spiece: Path = SPIECE_MODEL) -> bytes:
    """Return the bytes of ``tokenizer.json`` converted from ``spiece`` (nothing is written).

    Raises FileNotFoundError if ``spiece`` does not exist, and RuntimeError if the converted
    tokenizer does not have the ids the contract needs.
    """
    spiece = Path(spiece)
    if not spiece.is_file():
        raise FileNotFoundError(f"SentencePiece model not found: {spiece}")
    # Imported here: transformers is slow to import and only this build step needs it.
    from transformers import T5Tokenizer

    with tempfile.TemporaryDirectory(prefix="embsum-tok-") as tmp:
        src = Path(tmp) / "src"
        out = Path(tmp) / "out"
        src.mkdir()
        shutil.copyfile(spiece, src / "spiece.model")
        tok = T5Tokenizer.from_pretrained(str(src), extra_ids=100)
        tok.save_pretrained(str(out))
        data = (out / "tokenizer.json").read_bytes()
    check_tokenizer_json(data)
    return data


def check_tokenizer_json(data: bytes) -> None:
    """Fail loudly if the tokenizer lacks the vocabulary size or special ids of the contract."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_str(data.decode("utf-8"))
    size = tok.get_vocab_size(with_added_tokens=True)
    if size != EXPECTED_VOCAB_SIZE:
        raise RuntimeError(f"built tokenizer has {size} ids, expected {EXPECTED_VOCAB_SIZE}")
    for token, want in EXPECTED_IDS.items():
        got = tok.token_to_id(token)
        if got != want:
            raise RuntimeError(f"built tokenizer maps {token!r} to {got}, expected {want}")


def write_tokenizer_json(spiece: Path = SPIECE_MODEL, out_dir: Path = TOKENIZER_DIR) -> Path:
    """Build and write ``out_dir/tokenizer.json`` atomically; return its path."""
    data = build_tokenizer_json(spiece)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "tokenizer.json"
    fd, tmp_name = tempfile.mkstemp(prefix=".tokenizer.", suffix=".json", dir=out_dir)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spiece", type=Path, default=SPIECE_MODEL, help="spiece.model to convert")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="directory to write tokenizer.json into (default: next to --spiece)",
    )
    args = parser.parse_args(argv)
    out_dir = args.out if args.out is not None else Path(args.spiece).resolve().parent
    target = write_tokenizer_json(args.spiece, out_dir)
    digest = sha256_file(target)
    print(f"wrote {target} ({target.stat().st_size} bytes, sha256 {digest})")


if __name__ == "__main__":
    main()
