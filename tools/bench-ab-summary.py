#!/usr/bin/env python3
"""Summarizes tools/bench-ab runs: arguments are side:round:report.json (side before/after).

For every workload and engine run: the median ops/s of each side over the rounds, the median of
each round's after/before ratio, and (engine comparison) Tern / peer at the peer's budget, or
(item workloads) Tern / SQLite, median per side; instructions per operation when present.
"""
import json
import statistics
import sys
from collections import defaultdict


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=2):
    if value is None:
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def rows_of(report):
    """(workload, run label, kind, ops/s, p99 µs, instructions/op, tern-pairing peer or None)."""
    rows = []
    for engine in report.get("engines", []):
        label = engine.get("label") or engine.get("engine")
        for w in engine.get("workloads", []):
            if not w.get("verified", False):
                continue
            name = w.get("benchmark") or w.get("workload")
            rows.append((name, label, engine.get("engine"), w["operationsPerSecond"],
                         w["latencyMicroseconds"]["p99"], w.get("instructionsPerOperation"),
                         engine.get("budgetOf")))
    return rows


def main(arguments):
    ops = defaultdict(lambda: defaultdict(dict))       # (workload, label) -> side -> round -> ops/s
    p99 = defaultdict(lambda: defaultdict(dict))
    instr = defaultdict(lambda: defaultdict(dict))
    kinds, pairing, loads, order = {}, {}, defaultdict(list), []
    tables = False
    for argument in arguments:
        side, round_, path = argument.split(":", 2)
        try:
            report = json.load(open(path))
        except (OSError, ValueError) as error:
            print(f"(no report {path}: {error})")
            continue
        tables = tables or "users" in report
        loads[side].append((report.get("loadAverageStart"), report.get("loadAverageEnd")))
        for name, label, kind, value, tail, count, budget_of in rows_of(report):
            key = (name, label)
            if key not in order:
                order.append(key)
            ops[key][side][round_] = value
            p99[key][side][round_] = tail
            instr[key][side][round_] = count
            kinds[label], pairing[label] = kind, budget_of
    workloads = []
    for name, _ in order:
        if name not in workloads:
            workloads.append(name)
    labels = []
    for _, label in order:
        if label not in labels:
            labels.append(label)

    print("\n## Before/after, medians over rounds (ops/s; ratio = median of each round's after ÷ before)\n")
    print("| workload | run | before ops/s | after ops/s | after ÷ before | before p99 µs | after p99 µs | before instr/op | after instr/op |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in workloads:
        for label in labels:
            key = (name, label)
            if key not in ops:
                continue
            sides = ops[key]
            ratios = [sides["after"][r] / sides["before"][r] for r in sides.get("after", {})
                      if r in sides.get("before", {}) and sides["before"][r] > 0]
            print(f"| {name} | {label} | {fmt(median(sides.get('before', {}).values()))} | "
                  f"{fmt(median(sides.get('after', {}).values()))} | {fmt(median(ratios))} | "
                  f"{fmt(median(p99[key].get('before', {}).values()))} | {fmt(median(p99[key].get('after', {}).values()))} | "
                  f"{fmt(median(instr[key].get('before', {}).values()))} | {fmt(median(instr[key].get('after', {}).values()))} |")

    # Tern ÷ each peer, per round, per side.
    terns = [l for l in labels if kinds.get(l) == "tern"]
    peers = [l for l in labels if kinds.get(l) not in ("tern", "null")]
    if terns and peers:
        print("\n## Tern ÷ peer (ops/s, same run), median over rounds [each round's ratio]\n")
        print("| workload | peer | before | after |")
        print("|---|---|---:|---:|")
        for name in workloads:
            for peer in peers:
                tern = terns[0] if len(terns) == 1 else next(
                    (t for t in terns if pairing.get(t) == kinds.get(peer)),
                    next((t for t in terns if pairing.get(t) == "leveldb"), terns[0]))
                cells = []
                for side in ("before", "after"):
                    per_round = []
                    for r, value in sorted(ops[(name, tern)].get(side, {}).items()):
                        other = ops[(name, peer)].get(side, {}).get(r)
                        if other:
                            per_round.append(value / other)
                    cells.append(f"{fmt(median(per_round))} [{', '.join(fmt(x) for x in per_round)}]")
                if any(c != "- []" for c in cells):
                    print(f"| {name} | {peer} | {cells[0]} | {cells[1]} |")
    for side in ("before", "after"):
        print(f"\nload averages ({side}, start-end per round): "
              + ", ".join(f"{fmt(a)}-{fmt(b)}" for a, b in loads[side]))


if __name__ == "__main__":
    main(sys.argv[1:])
