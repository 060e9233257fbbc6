"""Benchmark reports.

Table of a campaign benchmark (dev/bench.sh campaign): reads the rows every
phase appended (JSON lines), takes the median of each step over the rounds,
adds the ratios per invoice to the floor and to OCA contract, prints the table
and writes it as JSON.

    python dev/bench_report.py ROWS.jsonl OUT.json

The "Latest results" section of dev/BENCHMARKS.rst, rewritten from the newest
JSON result of each benchmark in RESULTS (dev/bench.sh runs it at its end):

    python dev/bench_report.py --doc RESULTS
"""

import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

DOC = Path(__file__).resolve().parent / "BENCHMARKS.rst"
BEGIN = ".. latest results: begin"
END = ".. latest results: end"

ORDER = ("ours", "floor", "contract")


def _ratio(value):
    return "" if value is None else f"{value:.2f}"


def main(rows_path, out_path):
    with open(rows_path, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    seed = [row for row in rows if row["phase"] == "seed"]
    steps = defaultdict(list)
    for row in rows:
        if row["phase"] != "seed":
            steps[(ORDER.index(row["phase"]), row["step"])].append(row)
    table = []
    for (_phase, step), runs in sorted(steps.items()):
        table.append(
            {
                "step": step,
                "n": runs[0]["n"],
                "runs": len(runs),
                "seconds": round(statistics.median(run["seconds"] for run in runs), 2),
                "seconds_all": [run["seconds"] for run in runs],
                "queries": int(statistics.median(run["queries"] for run in runs)),
                "peak_mb": max(run["peak_mb"] for run in runs),
            }
        )

    def per_member(row):
        return row["seconds"] / row["n"] if row["n"] else None

    floor = next((row for row in table if row["step"].startswith("floor")), None)
    contract = next((row for row in table if row["step"].startswith("OCA contract")), None)
    for row in table:
        row["queries_per_member"] = round(row["queries"] / row["n"], 1) if row["n"] else 0
        for name, base in (("ratio_to_floor", floor), ("ratio_to_contract", contract)):
            row[name] = round(per_member(row) / per_member(base), 2) if base and row["n"] else None
    members = seed[0]["n"] if seed else table[0]["n"]
    print()
    print(
        f"Renewal season of {members:,} members (seeding {seed[0]['seconds'] if seed else '?'} s, not measured); "
        f"medians of {max(row['runs'] for row in table)} round(s)"
    )
    header = (
        f"{'step':<46} {'N':>7} {'seconds':>9} {'queries':>9} {'q/member':>9} {'peak MB':>8} {'/floor':>7} "
        f"{'/contract':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in table:
        print(
            f"{row['step']:<46} {row['n']:>7} {row['seconds']:>9.2f} {row['queries']:>9} "
            f"{row['queries_per_member']:>9} {row['peak_mb']:>8} {_ratio(row['ratio_to_floor']):>7} "
            f"{_ratio(row['ratio_to_contract']):>9}"
        )
    with open(out_path, "w", encoding="utf-8") as handle:
        json.dump(
            {"members": members, "seed_seconds": seed[0]["seconds"] if seed else None, "steps": table}, handle, indent=2
        )
    print(f"\nwritten to {out_path}")


def _rst_table(header, rows):
    """A simple reStructuredText table."""
    cells = [header] + [[str(cell) for cell in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    rule = "  ".join("=" * width for width in widths)

    def line(row):
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()

    return "\n".join([rule, line(cells[0]), rule, *(line(row) for row in cells[1:]), rule])


def _newest(results, pattern):
    """{key: (date, data)} of the newest result per key (members, partners...)."""
    newest = {}
    for path in sorted(results.glob(pattern)):
        match = re.match(r"^(?P<kind>[a-z]+)(?:-(?P<key>\d+))?-(?P<stamp>\d{8}-\d{6})\.json$", path.name)
        if not match:
            continue
        stamp = match["stamp"]
        day = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}"
        key = int(match["key"]) if match["key"] else 0
        if key not in newest or stamp > newest[key][0]:
            newest[key] = (stamp, day, json.loads(path.read_text(encoding="utf-8")))
    return {key: (day, data) for key, (_stamp, day, data) in sorted(newest.items())}


def latest_results(results):
    """The reStructuredText of the latest results found in RESULTS."""
    parts = []
    for day, data in _newest(results, "engine-*.json").values():
        parts.append(
            f"* Pure tariff engine, 5-component grid ({day}): {data['median_fees_per_second']:,} fees per second, "
            f"median of {data['runs']} runs of {data['fees_per_run']:,} (slowest {data['min_fees_per_second']:,}; "
            f"target {data['target_fees_per_second']:,})."
        )
    for day, data in _newest(results, "fees-*.json").values():
        parts.append(
            f"* Fees of {data['members']:,} members inside Odoo ({day}): {data['total_seconds']} s in batches of "
            f"{data['batch']:,} ({data['fees_per_second']:,} fees per second), queries per batch: "
            f"{', '.join(str(q) for q in data['queries_per_batch'])}."
        )
    for day, data in _newest(results, "install-*.json").values():
        parts.append(
            f"* Installing the module on a database of {data['partners']:,} partners ({day}): "
            f"{data['install_seconds']} s."
        )
    for members, (day, data) in _newest(results, "campaign-*.json").items():
        runs = max(row["runs"] for row in data["steps"])
        rows = [
            (
                row["step"],
                row["n"],
                f"{row['seconds']:.2f}",
                row["queries_per_member"],
                row["peak_mb"],
                _ratio(row["ratio_to_floor"]),
                _ratio(row["ratio_to_contract"]),
            )
            for row in data["steps"]
        ]
        parts.append(
            f"Renewal season of {members:,} members ({day}, medians of {runs} round(s); seeding "
            f"{data.get('seed_seconds') or '?'} s, not measured):\n\n"
            + _rst_table(["step", "N", "seconds", "q/member", "peak MB", "/floor", "/contract"], rows)
        )
    if not parts:
        return None
    return "\n\n".join(parts)


def write_doc(results):
    text = latest_results(Path(results))
    if text is None:
        print(f"no benchmark results in {results}: {DOC.name} left as it is")
        return
    doc = DOC.read_text(encoding="utf-8")
    begin = doc.index(BEGIN)
    begin = doc.index("\n", begin) + 1
    end = doc.index(END)
    DOC.write_text(doc[:begin] + "\n" + text + "\n\n" + doc[end:], encoding="utf-8")
    print(f"latest results written to {DOC}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--doc"]:
        write_doc(sys.argv[2])
    else:
        main(*sys.argv[1:3])
