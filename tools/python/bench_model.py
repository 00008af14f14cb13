"""PyTorch-CPU side of `cocos bench model`: the same architecture, batch and
lengths as the Go side, timed the same way. Written independently of cocos.

Usage: python3 bench_model.py CONFIG.json BATCH SEQ STEPS GEN_BATCH PROMPT NEW
                              [--device cpu|cuda] [--dtype float32|bfloat16]
                              [--impl reference|transformers]
Prints JSON: {"train_ms": mean ms per AdamW step, "gen_tokens_per_s": ...}.
STEPS 0 times generation only (train_ms 0; the reference implementation).
--impl transformers times Hugging Face's own model class (random init from
the same config) instead of the model written here.
"""
import json
import math
import sys
import time

import torch

torch.manual_seed(0)
# PyTorch's own default threading: on this 2-core machine forcing 2 intra-op
# threads over pthread OpenBLAS made the tiny step 3x slower (502 vs 165 ms).


def build(cfg, device, dtype):
    h, nh = cfg["hidden_size"], cfg["num_attention_heads"]
    nkv = cfg.get("num_key_value_heads") or nh
    hd = cfg.get("head_dim") or h // nh
    W = {"embed": torch.randn(cfg["vocab_size"], h) * 0.02, "norm": torch.ones(h)}
    for i in range(cfg["num_hidden_layers"]):
        p = "l%d." % i
        W.update({p + "in": torch.ones(h), p + "post": torch.ones(h),
                  p + "q": torch.randn(nh * hd, h) * 0.02, p + "k": torch.randn(nkv * hd, h) * 0.02,
                  p + "v": torch.randn(nkv * hd, h) * 0.02, p + "o": torch.randn(h, nh * hd) * 0.02,
                  p + "qb": torch.zeros(nh * hd), p + "kb": torch.zeros(nkv * hd), p + "vb": torch.zeros(nkv * hd),
                  p + "gate": torch.randn(cfg["intermediate_size"], h) * 0.02,
                  p + "up": torch.randn(cfg["intermediate_size"], h) * 0.02,
                  p + "down": torch.randn(h, cfg["intermediate_size"]) * 0.02})
    W = {k: v.to(device=device, dtype=dtype).requires_grad_(True) for k, v in W.items()}
    return W, nh, nkv, hd


def rms(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rot(x):
    a, b = x.chunk(2, dim=-1)
    return torch.cat((-b, a), dim=-1)


def forward(cfg, W, nh, nkv, hd, ids, start, cache):
    """Runs ids [b, t] at positions start..start+t; cache: list of (k, v) or None."""
    b, t = ids.shape
    eps = cfg.get("rms_norm_eps", 1e-6)
    dev, dt = ids.device, W["embed"].dtype
    inv = 1.0 / (cfg.get("rope_theta", 10000.0) ** (torch.arange(0, hd, 2, device=dev).float() / hd))
    pos = torch.arange(start, start + t, device=dev).float()
    emb = torch.cat([pos[:, None] * inv[None]] * 2, dim=-1)
    cos, sin = emb.cos().to(dt), emb.sin().to(dt)
    x = W["embed"][ids]
    new_cache = []
    for i in range(cfg["num_hidden_layers"]):
        p = "l%d." % i
        y = rms(x, W[p + "in"], eps)
        q = (y @ W[p + "q"].T + W[p + "qb"]).view(b, t, nh, hd).transpose(1, 2)
        k = (y @ W[p + "k"].T + W[p + "kb"]).view(b, t, nkv, hd).transpose(1, 2)
        v = (y @ W[p + "v"].T + W[p + "vb"]).view(b, t, nkv, hd).transpose(1, 2)
        q, k = q * cos + rot(q) * sin, k * cos + rot(k) * sin
        if cache is not None:
            if cache[i] is not None:
                k, v = torch.cat([cache[i][0], k], 2), torch.cat([cache[i][1], v], 2)
            new_cache.append((k, v))
        kk, vv = k.repeat_interleave(nh // nkv, 1), v.repeat_interleave(nh // nkv, 1)
        s = (q @ kk.transpose(2, 3)) / math.sqrt(hd)
        L = kk.shape[2]
        causal = torch.ones(t, L, dtype=torch.bool, device=dev).tril(L - t)
        s = s.masked_fill(~causal, torch.finfo(s.dtype).min)
        a = (torch.softmax(s, -1) @ vv).transpose(1, 2).reshape(b, t, nh * hd)
        x = x + a @ W[p + "o"].T
        y = rms(x, W[p + "post"], eps)
        g = y @ W[p + "gate"].T
        x = x + (torch.nn.functional.silu(g) * (y @ W[p + "up"].T)) @ W[p + "down"].T
    x = rms(x, W["norm"], eps)
    return x @ W["embed"].T, new_cache


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def timed(steps, device, step):
    """Mean seconds of step() over steps calls, after one warm-up call."""
    times = []
    for s in range(steps + 1):
        sync(device)
        t0 = time.perf_counter()
        step()
        sync(device)
        if s > 0:
            times.append(time.perf_counter() - t0)
    return sum(times) / len(times)


def reference(cfg, batch, seq, steps, gb, prompt, new, device, dtype):
    """Times the model written above: returns (train step seconds, generation seconds)."""
    W, nh, nkv, hd = build(cfg, device, dtype)
    opt = torch.optim.AdamW(W.values(), lr=2e-5, weight_decay=0.1)
    ids = torch.randint(0, cfg["vocab_size"], (batch, seq), device=device)

    def step():
        logits, _ = forward(cfg, W, nh, nkv, hd, ids, 0, None)
        loss = torch.nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(), ids[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    train = timed(steps, device, step) if steps > 0 else 0.0  # 0 steps: generation only
    with torch.no_grad():
        p = torch.randint(0, cfg["vocab_size"], (gb, prompt), device=device)
        sync(device)
        t0 = time.perf_counter()
        logits, cache = forward(cfg, W, nh, nkv, hd, p, 0, [None] * cfg["num_hidden_layers"])
        tok = logits[:, -1].argmax(-1, keepdim=True)
        for i in range(new - 1):
            logits, cache = forward(cfg, W, nh, nkv, hd, tok, prompt + i, cache)
            tok = logits[:, -1].argmax(-1, keepdim=True)
        sync(device)
        gen = time.perf_counter() - t0
    return train, gen


def hf(cfg, batch, seq, steps, gb, prompt, new, device, dtype):
    """Times Hugging Face's model class at the same config, random weights."""
    import transformers

    conf = transformers.AutoConfig.for_model(cfg["model_type"], **{k: v for k, v in cfg.items() if k != "model_type"})
    model = transformers.AutoModelForCausalLM.from_config(conf, torch_dtype=dtype).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-5, weight_decay=0.1)
    ids = torch.randint(0, cfg["vocab_size"], (batch, seq), device=device)

    def step():
        loss = model(input_ids=ids, labels=ids).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
    train = timed(steps, device, step)
    model.eval()
    p = torch.randint(0, cfg["vocab_size"], (gb, prompt), device=device)
    with torch.no_grad():
        model.generate(p, max_new_tokens=2, do_sample=False, pad_token_id=0)  # warm-up
        sync(device)
        t0 = time.perf_counter()
        model.generate(p, max_new_tokens=new, min_new_tokens=new, do_sample=False, pad_token_id=0)
        sync(device)
        gen = time.perf_counter() - t0
    return train, gen


def main():
    cfg = json.load(open(sys.argv[1]))
    batch, seq, steps, gb, prompt, new = map(int, sys.argv[2:8])
    opts = dict(zip(sys.argv[8::2], sys.argv[9::2]))
    device = opts.get("--device", "cpu")
    dtype = {"float32": torch.float32, "bfloat16": torch.bfloat16}[opts.get("--dtype", "float32")]
    run = {"reference": reference, "transformers": hf}[opts.get("--impl", "reference")]
    train, gen = run(cfg, batch, seq, steps, gb, prompt, new, device, dtype)
    print(json.dumps({"train_ms": 1000 * train, "gen_tokens_per_s": gb * new / gen,
                      "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    main()
