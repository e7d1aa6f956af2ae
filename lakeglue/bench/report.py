"""The side-by-side table of a benchmark document (Markdown, aligned for the terminal too).

One row per op (median ms per target), then throughput and scale rows (their unit in the
row's name), one column per target and, when the run has both sides, one ratio column per
lakeglue target: how many times better lakeglue is than the best reference target on that
row (reference ms ÷ lakeglue ms; for rates, lakeglue ÷ reference).
"""
from __future__ import annotations

import math
from typing import Dict, List, Optional, Tuple

from .ops import BY_NAME, plan

#: issue 6's targets, marked with `*` when a row misses them
SPEEDUP_TARGET = 5.0  # ops the reference needs >= 2 ms for
SPEEDUP_MIN_REF_MS = 2.0
THROUGHPUT_TARGET = 3.0

Row = Tuple[str, str, Dict[str, Optional[float]], Optional[float]]  # label, unit, values, target


def _fmt(v: Optional[float], unit: str) -> str:
    if v is None:
        return "—"
    if unit == "%":
        return f"{v:+.1f}%"
    if unit == "MB":
        return f"{v:,.1f}"
    if unit != "ms":
        return f"{v:,.0f}"
    if v < 1:
        return f"{v:.3f}"
    if v < 10:
        return f"{v:.2f}"
    if v < 100:
        return f"{v:.1f}"
    return f"{v:,.0f}"


def _ratio(value: Optional[float], refs: List[float], unit: str, target: Optional[float],
           ref_best: Optional[float]) -> str:
    if value is None or not refs or value <= 0 or unit in ("MB", "%"):
        return "—"  # memory is judged by its drift, not against the reference
    r = ref_best / value if unit == "ms" else value / ref_best
    if r < 1:  # rounded down, so that a SLOWER row never reads 1.00×
        return f"{math.floor(r * 100) / 100:.2f}× SLOWER"
    text = f"{r:.2f}×" if r < 10 else f"{r:.1f}×"
    if target is not None and r < target:
        return text + " *"
    return text


def rows(doc: dict) -> List[Row]:
    """(label, unit, {target: value}, speed-up target or None) for every row of the table."""
    names = list(doc["targets"])
    out: List[Row] = []
    s = doc["settings"]
    ops = [BY_NAME[o.lower()] for o in s["ops"]]
    for op, n, label in plan(ops, s["sizes"]):
        vals = {t: doc["results"].get(t, {}).get(label, {}).get("median_ms") for t in names}
        out.append((label, "ms", vals, SPEEDUP_TARGET))
    if doc.get("throughput"):
        label = (f"getTable throughput, {s['throughput_connections']} connections "
                 f"× {s['throughput_seconds']:g} s (calls/s)")
        vals = {t: (doc["throughput"].get(t) or {}).get("calls_per_s") for t in names}
        out.append((label, "calls/s", vals, THROUGHPUT_TARGET))
    for section in ("scale", "soak"):
        keys: Dict[str, str] = {}
        for per_target in doc.get(section, {}).values():
            for key, row in per_target.items():
                keys.setdefault(key, row["unit"])
        for key, unit in keys.items():
            vals = {t: (doc[section].get(t, {}).get(key) or {}).get("value") for t in names}
            out.append((f"{section} {key}" + ("" if unit == "ms" else f" ({unit})"), unit, vals, None))
    return out


def render(doc: dict) -> str:
    """The header, the table, its legend and any errors, as Markdown."""
    targets = doc["targets"]
    names = list(targets)
    lakeglue = [t for t in names if targets[t]["kind"] == "lakeglue"]
    refs = [t for t in names if targets[t]["kind"] == "reference"]
    with_ratios = bool(lakeglue and refs)
    header = ["op (median ms unless noted)"] + names + ([f"× {t}" for t in lakeglue] if with_ratios else [])
    table = [header]
    for label, unit, vals, target in rows(doc):
        cells = [label] + [_fmt(vals[t], unit) if "error" not in targets[t] else "n/a" for t in names]
        if with_ratios:
            ref_vals = [vals[t] for t in refs if vals[t] is not None]
            best = (min(ref_vals) if unit == "ms" else max(ref_vals)) if ref_vals else None
            if unit == "ms" and best is not None and best < SPEEDUP_MIN_REF_MS:
                target = None
            cells += [_ratio(vals[t], ref_vals, unit, target, best) for t in lakeglue]
        table.append(cells)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = []
    for k, r in enumerate(table):
        cells = [r[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(r[1:], widths[1:])]
        lines.append("| " + " | ".join(cells) + " |")
        if k == 0:
            lines.append("|" + "|".join(["-" * (widths[0] + 2)] + ["-" * (w + 1) + ":" for w in widths[1:]]) + "|")
    return "\n".join(_preamble(doc) + [""] + lines + [""] + _legend(doc, with_ratios) + _errors(doc)) + "\n"


def _preamble(doc: dict) -> List[str]:
    m, s = doc["machine"], doc["settings"]
    load = lambda xs: "/".join(f"{x:.2f}" for x in xs) if xs else "?"  # noqa: E731
    lines = [f"lakeglue bench — {doc['date']} on {m['hostname']} ({m['cpus']} CPUs, {m['platform']}, "
             f"Python {m['python']})",
             f"load average (1/5/15 min): {load(m.get('loadavg_start'))} at start, "
             f"{load(m.get('loadavg_end'))} at end",
             f"{s['reps']} timed repetitions after {s['warmup']} warm-up per op"
             + (f"; sizes {', '.join(map(str, s['sizes']))}" if s["ops"] else "")
             + (f"; {s['target_warmup_s']:g} s of untimed warm-up passes per target first"
                if s.get("target_warmup_s") and s["ops"] else ""),
             "partition lists: " + ("lean client decoding (reply parsed in full, list elements not built "
                                    "as Python objects)" if s.get("decode", "lean") == "lean"
                                    else "full client decoding (Python objects built)")]
    if doc.get("command"):
        lines.append(f"command: {doc['command']}")
    for name, info in doc["targets"].items():
        where = info.get("uri", "not started")
        extra = f" — FAILED to start: {info['error'].splitlines()[0]}" if "error" in info else ""
        lines.append(f"- {name}: {info['kind']}"
                     + (f" on {info['backend']}" if info.get("backend") else "") + f", {where}{extra}")
    return lines


def _legend(doc: dict, with_ratios: bool) -> List[str]:
    if not with_ratios:
        return []
    return [f"× = how many times better lakeglue is than the best reference target on the row "
            f"(reference ms ÷ lakeglue ms; for rates lakeglue ÷ reference). SLOWER: lakeglue is slower "
            f"than the reference. *: short of issue 6's target ({SPEEDUP_TARGET:g}× where the reference "
            f"needs ≥ {SPEEDUP_MIN_REF_MS:g} ms, {THROUGHPUT_TARGET:g}× throughput)."]


def _errors(doc: dict) -> List[str]:
    out = []
    for target, errs in doc.get("errors", {}).items():
        for label, msg in errs.items():
            out.append(f"- error: {target} {label}: {msg.splitlines()[0][:300]}")
    return ([""] + out) if out else []
