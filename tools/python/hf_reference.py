"""Independent PyTorch reference for cocos's transformer parity tests.

Written from Hugging Face transformers' published Llama/Qwen2 definitions
(LlamaRMSNorm, rotate_half/apply_rotary_pos_emb, repeat_kv, eager attention,
SwiGLU MLP, rope initialisation for default, linear and llama3 scaling). It
shares no code with cocos: its own safetensors reader, its own maths.

Usage: python3 hf_reference.py MODEL_DIR INPUT.json OUTPUT.bin
INPUT.json: {"ids": [[...]], "mask": [[...]]}. mask is 0 on padding and a
segment number on real tokens (1 for one sequence per row; 1, 2, ... for
rows packed with several sequences, each attending only to itself at
positions from 0). OUTPUT.bin: float32 logits [batch, seq, vocab],
little-endian, row-major.

With "dtype": "bfloat16" the model runs as transformers runs a bf16 model
(weights, activations and matmuls in bf16; RMSNorm and softmax in f32;
cos/sin computed in f32 then cast); the logits come back as f32.

With "lora": ADAPTER_DIR (peft's adapter_config.json and
adapter_model.safetensors), every module with an adapter computes
W x + b + (lora_alpha / r) * B (A x), written here from peft's LoRA
definition; "grad_names" may then name lora_A/lora_B weights (without
peft's "base_model.model." prefix).

With "loss": [[...]] (1 on the tokens whose prediction is trained) and
"grad_names": [...], OUTPUT.bin instead holds float32 values: the mean
next-token NLL over the marked tokens, then the gradient of that loss
with respect to each named weight, in order, each row-major.
"""
import json
import math
import struct
import sys

import numpy as np
import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        lo, hi = h["data_offsets"]
        buf = data[lo:hi]
        if h["dtype"] == "F32":
            arr = np.frombuffer(buf, dtype="<f4").copy()
        elif h["dtype"] == "BF16":
            u16 = np.frombuffer(buf, dtype="<u2").astype(np.uint32)
            arr = (u16 << 16).view(np.float32).copy()
        else:
            raise ValueError("unsupported dtype " + h["dtype"])
        out[name] = torch.from_numpy(arr.reshape(h["shape"]))
    return out


def inv_freq(cfg, head_dim):
    base = cfg.get("rope_theta", 10000.0)
    inv = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.int64).to(torch.float64) / head_dim))
    rs = cfg.get("rope_scaling")
    if not rs:
        return inv
    kind = rs.get("rope_type", rs.get("type"))
    if kind == "linear":
        return inv / rs["factor"]
    if kind == "llama3":
        factor, low, high = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / low, old / high
        wavelen = 2 * math.pi / inv
        llama = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - low) / (high - low)
        smoothed = (1 - smooth) * llama / factor + smooth * llama
        medium = ~(wavelen < high_wavelen) & ~(wavelen > low_wavelen)
        return torch.where(medium, smoothed, llama)
    raise ValueError(kind)


def rms_norm(x, w, eps):
    x32 = x.to(torch.float32)  # LlamaRMSNorm: in f32, then back to the input's dtype
    var = x32.pow(2).mean(-1, keepdim=True)
    return w * (x32 * torch.rsqrt(var + eps)).to(x.dtype)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def segment_positions(mask):
    """Position of each real token within its segment; padding repeats the
    position before it (0 at the start of a row)."""
    pos = torch.zeros_like(mask)
    for r in range(mask.shape[0]):
        start, prev = 0, 0
        for j in range(mask.shape[1]):
            seg = int(mask[r, j])
            if seg != 0 and seg != prev:
                start, prev = j, seg
            if seg != 0:
                pos[r, j] = j - start
            elif j > 0:
                pos[r, j] = pos[r, j - 1]
    return pos


def nll_and_grads(cfg, W, ids, mask, loss, names):
    for n in names:
        W[n].requires_grad_(True)
    logp = torch.log_softmax(forward(cfg, W, ids, mask), dim=-1)[:, :-1]
    picked = logp.gather(-1, ids[:, 1:, None])[..., 0]
    w = loss[:, 1:].to(torch.float32)
    nll = -(picked * w).sum() / w.sum().clamp(min=1)
    nll.backward()
    return [nll.detach().reshape(1)] + [W[n].grad.reshape(-1) for n in names]


def linear(cfg, W, z, n, with_bias):
    y = z @ W[n + ".weight"].T + (W[n + ".bias"] if with_bias else 0)
    if n + ".lora_A.weight" in W:
        scaling = cfg["_lora"]["lora_alpha"] / cfg["_lora"]["r"]
        y = y + scaling * ((z @ W[n + ".lora_A.weight"].T) @ W[n + ".lora_B.weight"].T)
    return y


def add_lora(cfg, W, adapter_dir):
    cfg["_lora"] = json.load(open(adapter_dir + "/adapter_config.json"))
    for name, t in read_safetensors(adapter_dir + "/adapter_model.safetensors").items():
        assert name.startswith("base_model.model."), name
        W[name[len("base_model.model."):]] = t


def forward(cfg, W, ids, mask):
    h = cfg["hidden_size"]
    nh = cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads") or nh
    hd = cfg.get("head_dim") or h // nh
    eps = cfg.get("rms_norm_eps", 1e-6)
    bias = cfg.get("attention_bias", cfg["model_type"] == "qwen2")
    b, t = ids.shape
    dt = W["model.embed_tokens.weight"].dtype
    pos = segment_positions(mask)
    freqs = pos[..., None].to(torch.float32) * inv_freq(cfg, hd).to(torch.float32)[None, None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    cos, sin = emb.cos()[:, None].to(dt), emb.sin()[:, None].to(dt)
    causal = torch.tril(torch.ones(t, t, dtype=torch.bool))
    same = mask[:, :, None] == mask[:, None, :]
    allowed = causal[None, None] & same[:, None] & mask.bool()[:, None, None, :]
    x = W["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        y = rms_norm(x, W[p + "input_layernorm.weight"], eps)
        lin = lambda z, n, with_bias: linear(cfg, W, z, n, with_bias)  # noqa: E731
        q = lin(y, p + "self_attn.q_proj", bias).view(b, t, nh, hd).transpose(1, 2)
        k = lin(y, p + "self_attn.k_proj", bias).view(b, t, nkv, hd).transpose(1, 2)
        v = lin(y, p + "self_attn.v_proj", bias).view(b, t, nkv, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(nh // nkv, dim=1)  # repeat_kv
        v = v.repeat_interleave(nh // nkv, dim=1)
        scores = (q @ k.transpose(2, 3)) / math.sqrt(hd)
        scores = scores.masked_fill(~allowed, torch.finfo(dt).min)
        attn = torch.softmax(scores, dim=-1, dtype=torch.float32).to(dt) @ v
        attn = attn.transpose(1, 2).reshape(b, t, nh * hd)
        x = x + lin(attn, p + "self_attn.o_proj", False)
        y = rms_norm(x, W[p + "post_attention_layernorm.weight"], eps)
        gate, up = lin(y, p + "mlp.gate_proj", False), lin(y, p + "mlp.up_proj", False)
        x = x + lin(torch.nn.functional.silu(gate) * up, p + "mlp.down_proj", False)
    x = rms_norm(x, W["model.norm.weight"], eps)
    head = W["model.embed_tokens.weight"] if cfg.get("tie_word_embeddings") else W["lm_head.weight"]
    return x @ head.T


def main():
    model_dir, inp, out = sys.argv[1:4]
    cfg = json.load(open(model_dir + "/config.json"))
    W = read_safetensors(model_dir + "/model.safetensors")
    req = json.load(open(inp))
    if req.get("lora"):
        add_lora(cfg, W, req["lora"])
    if req.get("dtype") == "bfloat16":
        W = {k: v.to(torch.bfloat16) for k, v in W.items()}
    ids = torch.tensor(req["ids"], dtype=torch.int64)
    mask = torch.tensor(req["mask"], dtype=torch.int64)
    if "loss" in req:
        loss = torch.tensor(req["loss"], dtype=torch.int64)
        parts = nll_and_grads(cfg, W, ids, mask, loss, req["grad_names"])
        torch.cat(parts).detach().numpy().astype("<f4").tofile(out)
        return
    with torch.no_grad():
        logits = forward(cfg, W, ids, mask)
    logits.to(torch.float32).numpy().astype("<f4").tofile(out)


if __name__ == "__main__":
    main()
