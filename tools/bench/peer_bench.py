#!/usr/bin/env python3
"""Side-by-side prefill/decode figures: `edgellm bench` and peers' `llama-bench`, interleaved.

Speed is only comparable within one run: this VM's memory bandwidth switches between modes, so
each round runs every tool on every file back to back (the tools' order rotates between rounds),
and the figures are the medians over rounds. The peers are binaries the user built elsewhere
(this repository never builds them); name each with its snapshot, e.g.

  python3 tools/bench/peer_bench.py --model=/tmp/tl.Q4_K_M.gguf \\
      --peer='llama.cpp d32676d (2026-08-18)=/opt/llama.cpp/build/bin/llama-bench' \\
      --peer='ik_llama.cpp 8337e4c (2026-08-15)=/opt/ik_llama.cpp/build/bin/llama-bench'

Prints a Markdown table per file (pp and tg tokens/s of each tool, each peer's ratio edgellm /
peer, and edgellm's decode GB/s against the read probe of the same process), then the faster
peer's ratios. --json writes every sample as well. Exit status 1 when a tool fails (its stderr
is shown); nothing is guessed.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"peer_bench: {' '.join(cmd)} failed ({r.returncode}):\n{r.stderr[-2000:]}")
    return r.stdout


def edgellm_bench(args, model):
    out = run([args.edgellm, "bench", f"--model={model}", f"--backend={args.backend}",
               f"--threads={args.threads}", f"--n_prompt={args.p}", f"--n_gen={args.n}",
               f"--repetitions={args.r}", "--json"])
    row = json.loads(out)[0]
    return {
        "pp": row["prefill_tokens_per_second"],
        "tg": row["decode_tokens_per_second"],
        "gbs": row["achieved_gb_per_second"],
        "read": row["read_bandwidth_gb_per_second"],
        "mb_per_token": row["decode_bytes_per_token"] / 1e6,
    }


def llama_bench(path, args, model):
    out = run([path, "-m", model, "-p", str(args.p), "-n", str(args.n), "-r", str(args.r),
               "-t", str(args.threads), "-o", "json"])
    res = {}
    for row in json.loads(out):
        if row.get("n_prompt", 0) > 0 and row.get("n_gen", 0) == 0:
            res["pp"] = row["avg_ts"]
        elif row.get("n_gen", 0) > 0 and row.get("n_prompt", 0) == 0:
            res["tg"] = row["avg_ts"]
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", action="append", required=True, help="GGUF file (repeatable)")
    ap.add_argument("--peer", action="append", default=[],
                    help="'LABEL=PATH' of a llama-bench binary (repeatable)")
    ap.add_argument("--edgellm", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "..", "bazel-bin", "tools", "edgellm"))
    ap.add_argument("--backend", default="avx512")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("-p", type=int, default=512, help="prompt tokens (pp)")
    ap.add_argument("-n", type=int, default=128, help="generated tokens (tg)")
    ap.add_argument("-r", type=int, default=3, help="repetitions inside each tool run")
    ap.add_argument("--rounds", type=int, default=2, help="interleaved rounds")
    ap.add_argument("--json", help="write every sample to this file")
    args = ap.parse_args()

    peers = []
    for spec in args.peer:
        label, sep, path = spec.rpartition("=")
        if not sep or not label or not os.access(path, os.X_OK):
            sys.exit(f"peer_bench: --peer={spec}: want LABEL=PATH to an executable llama-bench")
        peers.append((label, path))
    if not os.access(args.edgellm, os.X_OK):
        sys.exit(f"peer_bench: {args.edgellm} is not executable: bazel build //tools:edgellm, "
                 "or pass --edgellm=PATH")

    tools = [("edgellm", None)] + peers
    samples = {m: {t: [] for t, _ in tools} for m in args.model}
    for rnd in range(args.rounds):
        order = tools[rnd % len(tools):] + tools[:rnd % len(tools)]
        for model in args.model:
            for label, path in order:
                res = edgellm_bench(args, model) if path is None else llama_bench(path, args, model)
                samples[model][label].append(res)
                print(f"round {rnd + 1} {os.path.basename(model)} {label}: "
                      + " ".join(f"{k}={v:.2f}" for k, v in res.items() if v is not None),
                      file=sys.stderr, flush=True)

    def med(model, label, key):
        vals = [s[key] for s in samples[model][label] if s.get(key) is not None]
        return statistics.median(vals) if vals else None

    pp, tg = f"pp{args.p}", f"tg{args.n}"
    print(f"\n{args.threads} threads, edgellm backend {args.backend}, medians of {args.rounds} "
          f"interleaved rounds of -r {args.r}; ratio = edgellm / peer\n")
    head = ["file", f"edgellm {pp}", f"edgellm {tg}", "MB/token", "decode GB/s", "read GB/s"]
    for label, _ in peers:
        head += [f"{label} {pp}", "ratio", f"{label} {tg}", "ratio"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for model in args.model:
        e_pp, e_tg = med(model, "edgellm", "pp"), med(model, "edgellm", "tg")
        gbs, read = med(model, "edgellm", "gbs"), med(model, "edgellm", "read")
        mb = med(model, "edgellm", "mb_per_token")
        cells = [os.path.basename(model), f"{e_pp:.1f}", f"{e_tg:.1f}", f"{mb:.0f}",
                 f"{gbs:.1f} ({100 * gbs / read:.0f}%)" if gbs else "-", f"{read:.1f}"]
        for label, _ in peers:
            for key, mine in (("pp", e_pp), ("tg", e_tg)):
                theirs = med(model, label, key)
                cells += [f"{theirs:.1f}", f"{mine / theirs:.2f}x"] if theirs else ["-", "-"]
        print("| " + " | ".join(cells) + " |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "samples": samples}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
