#!/usr/bin/env python3
"""Compares bench/run-bench.sh results: runs of one build against runs of another, step by step.

    bench/compare.py START.json [START2.json ...] --vs END.json [END2.json ...]

Each side may have several runs (the same jar and options, run again): a step's figure is then their median, and
the spread (lowest to highest) is printed beside it, so a difference between the sides can be read against how much
runs of one side differ among themselves. The machine's speed drifts within a sitting; run the sides one after the
other, and interleave repeats (A, B, A, B) when there are any. Only the standard library is used.

Figures per step: failed calls, the stack's CPU a call (and its JAIN-SIP, broker and collector parts), INVITE->200 p50
and p99, the p99 added to SIPp-to-SIPp's at 200/s (the run's baseline@200, for every step), the young collections'
average pause and count, what a call promoted to the old generation, and full collections.
"""
import argparse
import json
import statistics
import sys


def runs_by_label(path):
    with open(path) as f:
        data = json.load(f)
    runs = {r["label"]: r for r in data.get("runs", [])}
    soak = (data.get("soak") or {}).get("run")  # --soak keeps its run apart
    if soak:
        runs[soak["label"]] = soak
    return runs


def figures(run, baseline):
    """The figures of one step: None where the run lacks them."""
    gc = run.get("gc") or {}
    young = gc.get("young_collections") or 0
    answer = (run.get("setup_ms") or {}).get("answer_200") or {}
    base = ((baseline or {}).get("setup_ms") or {}).get("answer_200") or {}
    comp = run.get("stack_cpu_by_component") or {}
    return {
        "failed": run.get("failed"),
        "cpu_ms_per_call": run.get("stack_cpu_ms_per_call"),
        "jain_sip_ms": (comp.get("edge: JAIN-SIP") or {}).get("ms_per_call"),
        "broker_ms": (comp.get("kafka broker") or {}).get("ms_per_call"),
        "gc_ms": (comp.get("gc") or {}).get("ms_per_call"),
        "p50_ms": answer.get("p50"),
        "p99_ms": answer.get("p99"),
        "added_p99_ms": answer["p99"] - base["p99"] if "p99" in answer and "p99" in base else None,
        "young_pause_ms": 1000 * gc["young_time_s"] / young if young else None,
        "young_collections": young,
        "promoted_kib_per_call": gc.get("promoted_kib_per_call"),
        "full_collections": gc.get("full_collections"),
    }


def side(paths):
    """label -> figure -> list of values, over the runs of one side."""
    out = {}
    for path in paths:
        runs = runs_by_label(path)
        baseline = runs.get("baseline@200")
        for label, run in runs.items():
            if label.startswith(("baseline", "warmup")) or "stack_cpu_ms_per_call" not in run:
                continue
            for name, value in figures(run, baseline).items():
                if value is not None:
                    out.setdefault(label, {}).setdefault(name, []).append(value)
    return out


def cell(values):
    if not values:
        return "-"
    m = statistics.median(values)
    text = f"{m:.3g}" if abs(m) < 100 else f"{m:.0f}"
    if len(values) > 1:
        text += f" ({min(values):.3g}-{max(values):.3g})"
    return text


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("before", nargs="+", help="result JSON files of the first build")
    p.add_argument("--vs", nargs="+", required=True, dest="after", help="result JSON files of the second build")
    args = p.parse_args(argv)
    before, after = side(args.before), side(args.after)
    labels = [l for l in before if l in after] + [l for l in after if l not in before]
    names = ["failed", "cpu_ms_per_call", "jain_sip_ms", "broker_ms", "gc_ms", "p50_ms", "p99_ms", "added_p99_ms",
             "young_pause_ms", "young_collections", "promoted_kib_per_call", "full_collections"]
    print(f"{'step':<16} {'figure':<22} {'before':>24} {'after':>24} {'after/before':>13}")
    for label in labels:
        for name in names:
            b, a = before.get(label, {}).get(name, []), after.get(label, {}).get(name, [])
            if not b and not a:
                continue
            ratio = ""
            if b and a and statistics.median(b):
                ratio = f"{statistics.median(a) / statistics.median(b):.2f}"
            print(f"{label:<16} {name:<22} {cell(b):>24} {cell(a):>24} {ratio:>13}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
