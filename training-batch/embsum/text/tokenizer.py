"""The one tokenizer of the text contract: Hugging Face ``tokenizers`` on ``tokenizer.json``.

Why a wrapper: two rules of the contract are easy to forget at call sites and would silently
change token ids — text is always encoded *without* added special tokens, and any special id
that raw text produces (``</s>``, ``<pad>``, ``<extra_id_N>`` typed inside a title) becomes
``<unk>``, so item text can never forge an end-of-sequence or an [SOS] marker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

from tokenizers import Tokenizer

from embsum.digest import sha256_file
from embsum.text.paths import TOKENIZER_JSON

UNK_TOKEN = "<unk>"


class TextTokenizer:
    """Encode/decode text with the contract's rules (docs/text-contract.md section 1)."""

    def __init__(self, path: str | Path | None = None) -> None:
        """Load ``tokenizer.json`` from ``path`` (default: models/t5-small-tokenizer/ in the repo)."""
        self.path = Path(path) if path is not None else TOKENIZER_JSON
        if not self.path.is_file():
            raise FileNotFoundError(
                f"tokenizer file not found: {self.path}. It is committed at "
                f"models/t5-small-tokenizer/tokenizer.json; rebuild it offline with "
                f"`python -m embsum.text.build_tokenizer`."
            )
        self._tok = Tokenizer.from_file(str(self.path))
        unk = self._tok.token_to_id(UNK_TOKEN)
        if unk is None:
            raise ValueError(f"tokenizer {self.path} has no {UNK_TOKEN} token")
        self.unk_id: int = unk
        # Every special added token except <unk>: 0, 1 and the 100 sentinels for t5-small.
        self.special_ids: frozenset[int] = frozenset(
            i for i, t in self._tok.get_added_tokens_decoder().items() if t.special and i != unk
        )

    @property
    def vocab_size(self) -> int:
        """Number of ids, added tokens included (32,100 for t5-small)."""
        return self._tok.get_vocab_size(with_added_tokens=True)

    def sha256(self) -> str:
        """Hex sha256 of the tokenizer file (recorded in the golden file and manifests)."""
        return sha256_file(self.path)

    def token_to_id(self, token: str) -> int | None:
        return self._tok.token_to_id(token)

    def _clean_ids(self, ids: Sequence[int]) -> list[int]:
        special, unk = self.special_ids, self.unk_id
        return [unk if i in special else i for i in ids]

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text``: no added special tokens; special ids replaced by ``<unk>``."""
        if not isinstance(text, str):
            raise TypeError(f"encode() needs a str, got {type(text).__name__}")
        return self._clean_ids(self._tok.encode(text, add_special_tokens=False).ids)

    def encode_batch(self, texts: Iterable[str]) -> list[list[int]]:
        """``encode`` for many texts at once (same result, parallel in the Rust library)."""
        encodings = self._tok.encode_batch(list(texts), add_special_tokens=False)
        return [self._clean_ids(e.ids) for e in encodings]

    def tokens(self, text: str) -> list[str]:
        """Token strings of ``text`` before the special-id rule (for debugging)."""
        return self._tok.encode(text, add_special_tokens=False).tokens

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        """Text of ``ids`` ([SOS], ``</s>`` and padding dropped unless asked otherwise)."""
        return self._tok.decode(list(ids), skip_special_tokens=skip_special_tokens)
