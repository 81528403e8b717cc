"""The peer: a BERT-base classifier with the architecture of Detoxify's original model.

Detoxify "original" is `BertForSequenceClassification` on bert-base-uncased with six
sigmoid outputs (toxic, severe_toxic, obscene, threat, insult, identity_hate). Its
weights cannot be fetched here, so the peer is transformers' `BertConfig()` defaults
(12 layers, hidden 768, 12 heads, intermediate 3072, vocabulary 30522) with a 6-label
head and seeded random weights: the time of a forward pass does not depend on the
values of the weights. It scores each post once, up to 512 tokens, in fp32 as Detoxify
ships, batched the same way as Modlens (sorted by length, models.scorer.BATCH_SIZE a
batch, padded only to the longest in the batch), so the two differ in model, not in
batching.

Tokens come from the MiniLM tokenizer, which is bert-base-uncased's WordPiece vocabulary.
"""

from __future__ import annotations

import numpy as np
import torch

LABELS = ("toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate")
MAX_TOKENS = 512


class PeerScorer:
    def __init__(self, batch_size: int | None = None, precision: str = "fp32", seed: int = 0):
        from transformers import BertConfig, BertForSequenceClassification

        from models.encoder import load_tokenizer
        from models.quantize import apply_precision
        from models.scorer import BATCH_SIZE

        torch.manual_seed(seed)
        config = BertConfig(num_labels=len(LABELS), problem_type="multi_label_classification")
        self.model = apply_precision(BertForSequenceClassification(config).eval(), precision)
        self.tokenizer = load_tokenizer()
        self.batch_size = batch_size or BATCH_SIZE
        self.model_info = {"name": "bert-base-peer (random weights)", "version": "BertConfig()", "sha256": "-", "precision": precision}

    def score_texts(self, texts: list[str]) -> list[dict]:
        """Texts in, {"scores": {label: probability}} out, in order."""
        ids = self.tokenizer(list(texts), truncation=True, max_length=MAX_TOKENS)["input_ids"]
        probs = np.zeros((len(ids), len(LABELS)))
        order = sorted(range(len(ids)), key=lambda k: len(ids[k]))
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                longest = max(len(ids[k]) for k in idx)
                input_ids = torch.zeros(len(idx), longest, dtype=torch.long)
                mask = torch.zeros(len(idx), longest, dtype=torch.long)
                for row, k in enumerate(idx):
                    input_ids[row, : len(ids[k])] = torch.tensor(ids[k])
                    mask[row, : len(ids[k])] = 1
                logits = self.model(input_ids=input_ids, attention_mask=mask).logits.float()
                probs[idx] = torch.sigmoid(logits).numpy()
        return [{"scores": dict(zip(LABELS, map(float, row)))} for row in probs]

    def score_thread(self, thread: dict, attributes=None, thresholds=None) -> list[dict]:
        """Every post scored on its own text: the peer reads no thread context."""
        posts = thread.get("posts") or []
        results = self.score_texts([p.get("text") or "" for p in posts])
        return [{"id": p.get("id"), **r} for p, r in zip(posts, results)]
