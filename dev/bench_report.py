"""Benchmark reports.

Table of a campaign benchmark (dev/bench.sh campaign): reads the rows every
phase appended (JSON lines), takes the median of each step over the rounds,
adds the ratios per invoice to the floor and to OCA contract, prints the table
and writes it as JSON.

    python dev/bench_report.py ROWS.jsonl OUT.json

Several sizes side by side (MD_BENCH_SIZES=1000,10000 bash dev/bench.sh
campaign): from the JSON of each size's season, one table with, per step, the
time and queries per member and the peak memory at each size, the ratio of the
largest size's figure to the smallest's (flat within 15 %: at most 1.15), the
ratios to the floor and to OCA contract at the sizes where they ran, then the
projected wall time of each step for 500,000 members with one worker (from
the time per member at the largest size the step ran); printed and written as
JSON (sizes-STAMP.json).

    python dev/bench_report.py --sizes OUT.json CAMPAIGN.json [CAMPAIGN.json...]

The "Latest results" section of dev/BENCHMARKS.rst, rewritten from the newest
JSON result of each benchmark in RESULTS (dev/bench.sh runs it at its end):

    python dev/bench_report.py --doc RESULTS
"""

import json
import re
import statistics
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

DOC = Path(__file__).resolve().parent / "BENCHMARKS.rst"
BEGIN = ".. latest results: begin"
END = ".. latest results: end"

ORDER = ("ours", "floor", "contract")
PROJECTED_MEMBERS = 500_000
FLAT = 1.15  # the "flat within 15 %" between the smallest and the largest size


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
                "phase": runs[0]["phase"],
                "n": runs[0]["n"],
                "runs": len(runs),
                "seconds": round(statistics.median(run["seconds"] for run in runs), 2),
                "seconds_all": [run["seconds"] for run in runs],
                "queries": int(statistics.median(run["queries"] for run in runs)),
                "peak_mb": max(run["peak_mb"] for run in runs),
                "peak_source": runs[0].get("peak_source", "maxrss"),
                # what the step itself added to the process's resident memory
                "growth_mb": max(
                    (run["peak_mb"] - run["start_mb"] for run in runs if run.get("start_mb") is not None),
                    default=None,
                ),
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


# ----------------------------------------------------------------------------
# Several sizes side by side
# ----------------------------------------------------------------------------
def _phase_of(row):
    """The phase of a step of a campaign JSON (older ones did not store it)."""
    if "phase" in row:
        return row["phase"]
    if row["step"].startswith("floor"):
        return "floor"
    if row["step"].startswith("OCA contract"):
        return "contract"
    return "ours"


def _quotient(top, bottom):
    return round(top / bottom, 2) if top is not None and bottom else None


def duration(seconds):
    """A wall time as people read it: 45 s, 12 min, 3 h 05 min."""
    seconds = round(seconds)
    if seconds < 90:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def side_by_side(seasons, projected=PROJECTED_MEMBERS):
    """One record per step of the seasons (campaign JSONs of several sizes):
    its figures per member at each size it ran, the largest size's time and
    queries per member over the smallest's, and its projected wall time for
    ``projected`` members with one worker, from its time per member at the
    largest size it ran (the step's own unit: invoices, notices, members,
    scaled with the season)."""
    seasons = sorted(seasons, key=lambda season: season["members"])
    steps = {}
    for season in seasons:
        members = season["members"]
        for row in season["steps"]:
            step = steps.setdefault(row["step"], {"step": row["step"], "phase": _phase_of(row), "sizes": []})
            step["sizes"].append(
                {
                    "members": members,
                    "n": row["n"],
                    "runs": row.get("runs", 1),
                    "seconds": row["seconds"],
                    "ms_per_member": round(row["seconds"] * 1000 / row["n"], 2) if row["n"] else None,
                    "queries_per_member": row["queries_per_member"],
                    "peak_mb": row["peak_mb"],
                    "growth_mb": row.get("growth_mb"),
                    "ratio_to_floor": row.get("ratio_to_floor"),
                    "ratio_to_contract": row.get("ratio_to_contract"),
                }
            )
    table = sorted(steps.values(), key=lambda step: (ORDER.index(step["phase"]), step["step"]))
    for step in table:
        smallest, largest = step["sizes"][0], step["sizes"][-1]
        several = len(step["sizes"]) > 1
        step["time_ratio"] = _quotient(largest["ms_per_member"], smallest["ms_per_member"]) if several else None
        step["queries_ratio"] = (
            _quotient(largest["queries_per_member"], smallest["queries_per_member"]) if several else None
        )
        step["flat"] = step["time_ratio"] <= FLAT if step["time_ratio"] is not None else None
        step["projected_from"] = largest["members"]
        step["projected_seconds"] = round(largest["seconds"] * projected / largest["members"])
    season_steps = [step for step in table if step["phase"] == "ours"]
    return {
        "sizes": [season["members"] for season in seasons],
        "seed_seconds": {str(season["members"]): season.get("seed_seconds") for season in seasons},
        "projected_members": projected,
        "projected_season_seconds": sum(step["projected_seconds"] for step in season_steps),
        "steps": table,
    }


def _short(step):
    """A step's name up to its colon or bracket: "3. bulk approval", "floor"."""
    return step.split(":")[0].split(" (")[0]


def _size_label(members):
    return f"{members:,}"


def sizes_table(data):
    """(header rows, rows) of the side-by-side table: per size, ms and
    queries per member (then largest/smallest), peak MB, and /floor,
    /contract at the sizes where the floor and contract ran."""
    sizes = data["sizes"]

    def cell(step, members, key, fmt="{:.2f}"):
        entry = next((size for size in step["sizes"] if size["members"] == members), None)
        if entry is None or entry.get(key) is None:
            return ""
        return fmt.format(entry[key])

    def peak(step, members):
        """The step's peak resident memory, and what the step added to it."""
        growth = cell(step, members, "growth_mb", " (+{})")
        return cell(step, members, "peak_mb", "{}") + growth

    def ran(phase):
        return [
            members
            for members in sizes
            if any(s["members"] == members for step in data["steps"] if step["phase"] == phase for s in step["sizes"])
        ]

    columns = [(("ms/member", _size_label(m)), lambda step, m=m: cell(step, m, "ms_per_member")) for m in sizes]
    columns.append((("ms", "L/S"), lambda step: _ratio(step["time_ratio"])))
    columns += [
        (("q/member", _size_label(m)), lambda step, m=m: cell(step, m, "queries_per_member", "{:.1f}")) for m in sizes
    ]
    columns.append((("q", "L/S"), lambda step: _ratio(step["queries_ratio"])))
    columns += [(("peak MB", _size_label(m)), lambda step, m=m: peak(step, m)) for m in sizes]
    columns += [(("/floor", _size_label(m)), lambda step, m=m: cell(step, m, "ratio_to_floor")) for m in ran("floor")]
    columns += [
        (("/contract", _size_label(m)), lambda step, m=m: cell(step, m, "ratio_to_contract")) for m in ran("contract")
    ]
    header = [["step", *(label[0] for label, _value in columns)], ["", *(label[1] for label, _value in columns)]]
    rows = [[step["step"], *(value(step) for _label, value in columns)] for step in data["steps"]]
    return header, rows


def projection_line(data):
    """The projected wall time of each step for PROJECTED_MEMBERS members."""
    parts = [
        f"{_short(step['step'])} {duration(step['projected_seconds'])}"
        + ("" if step["projected_from"] == data["sizes"][-1] else f" (from {step['projected_from']:,})")
        for step in data["steps"]
    ]
    return (
        f"Projected for {data['projected_members']:,} members with 1 worker, from the time per member at "
        f"{data['sizes'][-1]:,}: " + "; ".join(parts) + f"; the season (steps 1-5) "
        f"{duration(data['projected_season_seconds'])}."
    )


def flatness_line(data):
    compared = [step for step in data["steps"] if step["time_ratio"] is not None]
    if not compared:
        return "One size only: nothing to compare."
    flat = [_short(step["step"]) for step in compared if step["flat"]]
    steep = [f"{_short(step['step'])} ({step['time_ratio']:.2f})" for step in compared if not step["flat"]]
    return (
        f"Time per member at {data['sizes'][-1]:,} over {data['sizes'][0]:,} members (L/S), flat within 15 % "
        f"(at most {FLAT:.2f}): {', '.join(flat) or 'none'}; not flat: {'; '.join(steep) or 'none'}."
    )


def _wrap(text):
    return textwrap.fill(text, width=79, break_long_words=False, break_on_hyphens=False)


def sizes_report(out_path, *season_paths):
    seasons = [json.loads(Path(path).read_text(encoding="utf-8")) for path in season_paths]
    data = side_by_side(seasons)
    header, rows = sizes_table(data)
    print()
    print(f"Renewal season at {', '.join(f'{m:,}' for m in data['sizes'])} members, per member, side by side")
    print(_rst_table(header, rows))
    print(_wrap(flatness_line(data)))
    print(_wrap(projection_line(data)))
    Path(out_path).write_text(json.dumps(data, indent=2), encoding="utf-8")
    print(f"\nwritten to {out_path}")


def _rst_table(header, rows):
    """A simple reStructuredText table; ``header`` is one row or a list of
    rows (a header row whose first cell is empty continues the one above)."""
    headers = header if header and isinstance(header[0], list) else [header]
    cells = [[str(cell) for cell in row] for row in [*headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers[0]))]
    rule = "  ".join("=" * width for width in widths)

    def line(row):
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()

    return "\n".join(
        [rule, *(line(row) for row in cells[: len(headers)]), rule, *(line(row) for row in cells[len(headers) :]), rule]
    )


def _newest(results, pattern, stamped=False):
    """{key: (date, data)} of the newest result per key (members, partners...);
    {key: (stamp, date, data)} when ``stamped``."""
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
    if stamped:
        return dict(sorted(newest.items()))
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
    sizes_stamp = ""
    for stamp, day, data in _newest(results, "sizes-*.json", stamped=True).values():
        sizes_stamp = stamp
        header, rows = sizes_table(data)
        runs = "/".join(
            str(max(size["runs"] for step in data["steps"] for size in step["sizes"] if size["members"] == members))
            for members in data["sizes"]
        )
        seeding = " / ".join(f"{data['seed_seconds'].get(str(m)) or '?'} s" for m in data["sizes"])
        intro = _wrap(
            f"Renewal season at {', '.join(f'{m:,}' for m in data['sizes'])} members"
            f"{' side by side' if len(data['sizes']) > 1 else ''} ({day}; "
            f"medians of {runs} round(s); seeding {seeding}, not measured). Per member: per unit the step "
            f"handles (member, notice, invoice); L/S: the largest size's figure over the smallest's; peak MB: "
            f"the step's resident memory high-water mark (+ what the step added to the process's):"
        )
        parts.append(
            f"{intro}\n\n{_rst_table(header, rows)}\n\n{_wrap(flatness_line(data))}\n\n{_wrap(projection_line(data))}"
        )
    # a single size's table, unless the side-by-side table above is as recent
    for members, (stamp, day, data) in _newest(results, "campaign-*.json", stamped=True).items():
        if stamp <= sizes_stamp:
            continue
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
    elif sys.argv[1:2] == ["--sizes"]:
        sizes_report(*sys.argv[2:])
    else:
        main(*sys.argv[1:3])
