"""Table of a campaign benchmark (dev/bench.sh campaign): reads the rows
every phase appended (JSON lines), takes the median of each step over the
rounds, adds the ratios per invoice to the floor and to OCA contract, prints
the table and writes it as JSON.

    python dev/bench_report.py ROWS.jsonl OUT.json
"""

import json
import statistics
import sys
from collections import defaultdict

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


if __name__ == "__main__":
    main(*sys.argv[1:3])
