#!/usr/bin/env python3
"""Tessera's flash_attention beside PyTorch's scaled_dot_product_attention, for tools/gpu-check.

For each shape: random f32 inputs (numpy, seeded) are written as .npy; tools/TimeKernel.java runs
the stdlib kernel on a Tessera backend (ptx by default) with them, times it and writes o and lse
back; a float64 reference computed here (numpy, one head at a time) checks both outputs with
Tessera's tolerance rule (compiler/Compare.java). When PyTorch with CUDA is importable, SDPA runs on
the same inputs in f32 on the GPU: its time (CUDA events, median) and its error against the same
reference are printed beside Tessera's. Needs numpy; PyTorch is optional.

Exit status: 0 when every Tessera result is within tolerance, 1 otherwise, 2 for bad usage.
"""

import argparse
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile

import numpy as np

# (B, H, KH, N, M, D, causal): MHA, GQA with a causal mask, a long causal GQA run, and decode (one query row).
SHAPES = [
    (1, 8, 8, 512, 512, 64, False),
    (1, 16, 4, 1024, 1024, 64, True),
    (1, 16, 8, 2048, 2048, 64, True),
    (4, 32, 8, 1, 4096, 128, False),
]
SMALL_SHAPES = [
    (1, 2, 1, 16, 16, 8, True),
    (2, 4, 2, 5, 33, 16, True),
]


def parse_shape(text):
    parts = text.split(",")
    if len(parts) != 7:
        raise argparse.ArgumentTypeError("a shape is B,H,KH,N,M,D,causal, e.g. 1,16,4,1024,1024,64,true")
    *dims, causal = parts
    return (*[int(x) for x in dims], causal.strip().lower() in ("1", "true", "yes"))


def reference(q, k, v, causal):
    """o and lse of flash_attention.tsr in float64: softmax(q k^T / sqrt(D)) v with GQA head sharing,
    the causal mask aligned bottom-right (j <= i + M - N); a row with no entries gives o = 0, lse = -inf."""
    b_, h_, n, d = q.shape
    kh, m = k.shape[1], k.shape[2]
    g = h_ // kh
    o = np.zeros((b_, h_, n, v.shape[3]))
    lse = np.zeros((b_, h_, n))
    allowed = np.arange(m)[None, :] <= np.arange(n)[:, None] + m - n if causal else np.ones((n, m), dtype=bool)
    scale = 1.0 / math.sqrt(d)
    for b in range(b_):
        for h in range(h_):
            s = (q[b, h].astype(np.float64) @ k[b, h // g].astype(np.float64).T) * scale
            s = np.where(allowed, s, -np.inf)
            row_max = s.max(axis=1, keepdims=True)
            empty = ~np.isfinite(row_max[:, 0])
            p = np.exp(s - np.where(np.isfinite(row_max), row_max, 0.0))
            total = p.sum(axis=1, keepdims=True)
            with np.errstate(divide="ignore", invalid="ignore"):
                o[b, h] = np.where(empty[:, None], 0.0, (p @ v[b, h // g].astype(np.float64)) / total)
                lse[b, h] = np.where(empty, -np.inf, row_max[:, 0] + np.log(total[:, 0]))
    return o, lse


def max_error(out, ref):
    """(max abs error, whether every element passes) with compiler/Compare.java's f32 rule:
    |out - ref| <= 1e-5 * scale + 1e-4 * |ref|, scale = max(1, max finite |ref|); infinities must match
    exactly and NaN only NaN."""
    out = np.asarray(out, dtype=np.float64)
    if out.shape != ref.shape:
        return float("nan"), False
    finite = np.isfinite(ref)
    scale = max(1.0, float(np.abs(ref[finite]).max()) if finite.any() else 1.0)
    same_special = np.all((out[~finite] == ref[~finite]) | (np.isnan(out[~finite]) & np.isnan(ref[~finite])))
    diff = np.abs(out[finite] - ref[finite])
    ok = bool(same_special and np.all(diff <= 1e-5 * scale + 1e-4 * np.abs(ref[finite])))
    return (float(diff.max()) if diff.size else 0.0), ok


def run_tessera(args, shape, directory, q, k, v):
    """Runs TimeKernel on the inputs; returns (o, lse, kernel ms, run ms) or raises RuntimeError."""
    b, h, kh, n, m, d, causal = shape
    for name, x in (("q", q), ("k", k), ("v", v)):
        np.save(os.path.join(directory, name + ".npy"), x)
    out = os.path.join(directory, "out")
    command = [args.java, "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
               "-cp", args.jar, os.path.join(args.root, "tools", "TimeKernel.java"),
               os.path.join(args.root, "stdlib-attention", "src", "main", "tessera", "flash_attention.tsr"),
               "--backend", args.backend, "--param", "causal=" + ("true" if causal else "false"),
               "--warmup", str(args.warmup), "--repeat", str(args.repeat), "--out", out]
    for name in ("q", "k", "v"):
        command += ["--input", name + "=" + os.path.join(directory, name + ".npy")]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError("timed out after %d s" % args.timeout)
    timing = re.search(r"^TIMING kernel_ms=(\S+) run_ms=(\S+)", done.stdout, re.M)
    if done.returncode != 0 or timing is None:
        lines = [l for l in (done.stderr + done.stdout).splitlines() if l.strip() and "incubator" not in l]
        raise RuntimeError(lines[-1] if lines else "TimeKernel exited with status %d" % done.returncode)
    o = np.load(os.path.join(out, "o.npy"))
    lse = np.load(os.path.join(out, "lse.npy"))
    return o, lse, float(timing.group(1)), float(timing.group(2))


def run_sdpa(torch, shape, q, k, v, warmup, repeat):
    """SDPA in f32 on the GPU: (output as numpy, median ms over repeat timed calls)."""
    import torch.nn.functional as F
    b, h, kh, n, m, d, causal = shape
    dev = torch.device("cuda")
    tq, tk, tv = (torch.from_numpy(x).to(dev) for x in (q, k, v))
    kwargs = {}
    if causal and n == m:
        kwargs["is_causal"] = True
    elif causal:  # SDPA's is_causal aligns top-left; Tessera's mask aligns bottom-right
        i = torch.arange(n, device=dev)[:, None]
        j = torch.arange(m, device=dev)[None, :]
        kwargs["attn_mask"] = j <= i + m - n
    if kh != h:
        try:
            F.scaled_dot_product_attention(tq[:, :1], tk[:, :1], tv[:, :1], enable_gqa=True)
            kwargs["enable_gqa"] = True
        except TypeError:  # PyTorch before 2.5: share heads by hand, outside the timed region
            tk = tk.repeat_interleave(h // kh, dim=1)
            tv = tv.repeat_interleave(h // kh, dim=1)

    def call():
        return F.scaled_dot_product_attention(tq, tk, tv, **kwargs)

    for _ in range(warmup):
        call()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeat):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        out = call()
        end.record()
        torch.cuda.synchronize()
        times.append(start.elapsed_time(end))
    return out.float().cpu().numpy(), statistics.median(times)


def load_torch():
    """(torch module or None, a note on why SDPA is not timed)."""
    try:
        import torch
    except Exception as e:  # ImportError, or a broken install
        return None, "PyTorch not importable (%s): SDPA not timed" % type(e).__name__
    if not torch.cuda.is_available():
        return None, "PyTorch %s has no CUDA device: SDPA not timed" % torch.__version__
    return torch, "PyTorch %s, SDPA on %s" % (torch.__version__, torch.cuda.get_device_name(0))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--java", default="java", help="a JDK 25 java (default: java on the PATH)")
    p.add_argument("--root", default=os.path.dirname(here), help="the Tessera checkout (default: this script's)")
    p.add_argument("--jar", help="the CLI jar (default: ROOT/cli/target/tessera.jar)")
    p.add_argument("--backend", default="ptx", help="the Tessera backend to time (default: ptx)")
    p.add_argument("--shape", action="append", type=parse_shape, metavar="B,H,KH,N,M,D,causal",
                   help="a shape to run instead of the defaults (repeatable)")
    p.add_argument("--small", action="store_true", help="tiny shapes only, to try the script on a CPU backend")
    p.add_argument("--no-torch", action="store_true", help="do not import PyTorch")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--repeat", type=int, default=10)
    p.add_argument("--timeout", type=int, default=300, help="seconds per Tessera run")
    args = p.parse_args()
    args.jar = args.jar or os.path.join(args.root, "cli", "target", "tessera.jar")
    shapes = args.shape or (SMALL_SHAPES if args.small else SHAPES)
    torch, torch_note = (None, "SDPA not timed (--no-torch)") if args.no_torch else load_torch()

    print("flash_attention on Tessera's %s backend beside PyTorch SDPA; f32 inputs (seed %d), "
          "reference in float64 (numpy); %s" % (args.backend, args.seed, torch_note))
    print("times: median of %d runs after %d warm-up; Tessera's is its kernels' (each launch waits for "
          "the GPU), SDPA's from CUDA events" % (args.repeat, args.warmup))
    header = ("B", "H", "KH", "N", "M", "D", "causal", "result", "tessera err", "tessera ms", "run ms",
              "sdpa ms", "sdpa err", "note")
    rows = [header]
    failures = 0
    rng = np.random.default_rng(args.seed)
    for shape in shapes:
        b, h, kh, n, m, d, causal = shape
        q = rng.standard_normal((b, h, n, d), dtype=np.float32)
        k = rng.standard_normal((b, kh, m, d), dtype=np.float32)
        v = rng.standard_normal((b, kh, m, d), dtype=np.float32)
        ref_o, ref_lse = reference(q, k, v, causal)
        row = [str(x) for x in (b, h, kh, n, m, d)] + [str(causal).lower()]
        with tempfile.TemporaryDirectory(prefix="tessera-sdpa-") as directory:
            try:
                o, lse, kernel_ms, run_ms = run_tessera(args, shape, directory, q, k, v)
                err_o, ok_o = max_error(o, ref_o)
                err_l, ok_l = max_error(lse, ref_lse)
                ok = ok_o and ok_l
                row += ["PASS" if ok else "FAIL", "%.2e" % max(err_o, err_l), "%.3f" % kernel_ms, "%.3f" % run_ms]
                note = "" if ok else "o %s, lse %s" % ("ok" if ok_o else "outside tolerance", "ok" if ok_l else "outside tolerance")
            except RuntimeError as e:
                ok = False
                row += ["FAIL", "", "", ""]
                note = str(e)
        if torch is not None:
            try:
                sdpa_o, sdpa_ms = run_sdpa(torch, shape, q, k, v, args.warmup, args.repeat)
                row += ["%.3f" % sdpa_ms, "%.2e" % max_error(sdpa_o, ref_o)[0]]
            except Exception as e:  # SDPA's failure is reported, never fatal: it is not what is checked
                row += ["", ""]
                note = (note + "; " if note else "") + "SDPA failed: %s" % str(e).splitlines()[0]
        else:
            row += ["-", "-"]
        row.append(note)
        rows.append(row)
        failures += 0 if ok else 1
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print("  " + "  ".join(c.rjust(w) if i < 6 or i in (8, 9, 10, 11, 12) else c.ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    print("flash attention vs reference: %d of %d shapes passed" % (len(shapes) - failures, len(shapes)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
