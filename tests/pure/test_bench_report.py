"""dev/bench_report.py's side-by-side table of several season sizes: the
figures per member, the largest/smallest ratios (the "flat within 15 %"
check), the columns of the baselines where they ran, and the projection for
500,000 members. Plain data, no Odoo, no benchmark run."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def report():
    spec = importlib.util.spec_from_file_location("membership_bench_report", ROOT / "dev" / "bench_report.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def step(name, phase, n, seconds, queries_per_member, peak_mb, floor=None, contract=None, runs=1):
    return {
        "step": name,
        "phase": phase,
        "n": n,
        "runs": runs,
        "seconds": seconds,
        "queries_per_member": queries_per_member,
        "peak_mb": peak_mb,
        "ratio_to_floor": floor,
        "ratio_to_contract": contract,
    }


def season(members, approval_seconds, with_floor=True, with_contract=True):
    steps = [
        step("1. fees of all members", "ours", members, members * 0.0002, 0.0, 150),
        step("3. bulk approval: invoices created + posted", "ours", members * 9 // 10, approval_seconds, 5.4, 180),
    ]
    if with_floor:
        steps.append(step("floor: account.move batch create + post", "floor", members, members * 0.015, 11.3, 170))
    if with_contract:
        steps.append(step("OCA contract: cron + posting its drafts", "contract", members, members * 0.03, 31.4, 200))
    return {"members": members, "seed_seconds": 10.0, "steps": steps}


def test_ratios_and_flatness(report):
    # bulk approval: 16 ms per notice at 1,000, 18.4 at 10,000 (1.15: still flat)
    data = report.side_by_side([season(10_000, 9_000 * 0.0184), season(1_000, 900 * 0.016)], projected=500_000)
    assert data["sizes"] == [1_000, 10_000], "sorted by size whatever the order given"
    approval = next(s for s in data["steps"] if s["step"].startswith("3."))
    assert [size["ms_per_member"] for size in approval["sizes"]] == [16.0, 18.4]
    assert approval["time_ratio"] == 1.15
    assert approval["flat"] is True
    assert approval["queries_ratio"] == 1.0
    fees = next(s for s in data["steps"] if s["step"].startswith("1."))
    assert fees["queries_ratio"] is None, "no ratio over zero queries"

    steeper = report.side_by_side([season(1_000, 900 * 0.016), season(10_000, 9_000 * 0.0185)])
    approval = next(s for s in steeper["steps"] if s["step"].startswith("3."))
    assert approval["flat"] is False
    assert "3. bulk approval (1.16)" in report.flatness_line(steeper)


def test_projection_from_the_largest_size_each_step_ran(report):
    data = report.side_by_side(
        [season(1_000, 14.4), season(10_000, 166.0), season(100_000, 1_800.0, with_floor=False, with_contract=False)]
    )
    by_name = {report._short(s["step"]): s for s in data["steps"]}
    # 1,800 s for 90,000 notices at 100,000 members: 9,000 s at 500,000
    assert by_name["3. bulk approval"]["projected_seconds"] == 9_000
    assert by_name["3. bulk approval"]["projected_from"] == 100_000
    # the floor ran up to 10,000 only: 150 s there, 7,500 s at 500,000
    assert by_name["floor"]["projected_from"] == 10_000
    assert by_name["floor"]["projected_seconds"] == 7_500
    # the season adds the module's steps only (fees: 20 s at 100,000)
    assert data["projected_season_seconds"] == 9_000 + 100
    line = report.projection_line(data)
    assert "3. bulk approval 2 h 30 min" in line
    assert "floor 2 h 05 min (from 10,000)" in line
    assert line.endswith("the season (steps 1-5) 2 h 32 min.")


def test_table_columns_follow_the_sizes_where_each_phase_ran(report):
    data = report.side_by_side(
        [season(1_000, 14.4), season(10_000, 166.0, with_contract=False), season(100_000, 1_800.0, False, False)]
    )
    header, rows = report.sizes_table(data)
    columns = list(zip(*header, strict=True))
    assert ("ms/member", "100,000") in columns and ("q", "L/S") in columns
    assert ("/floor", "10,000") in columns and ("/floor", "100,000") not in columns
    assert ("/contract", "1,000") in columns and ("/contract", "10,000") not in columns
    floor_row = next(row for row in rows if row[0].startswith("floor"))
    assert floor_row[columns.index(("ms/member", "100,000"))] == "", "no figure where the floor did not run"
    assert floor_row[columns.index(("ms", "L/S"))] == "1.00", "floor compared over the sizes it ran"
    assert floor_row[columns.index(("peak MB", "10,000"))] == "170"
    text = report._rst_table(header, rows)
    lines = text.splitlines()
    assert lines[0] == lines[3] == lines[-1], "two header lines between rules"
    assert len({len(line.rstrip()) for line in (lines[0], lines[3])}) == 1


@pytest.mark.parametrize(
    ("seconds", "text"), [(45, "45 s"), (89.4, "89 s"), (600, "10 min"), (5_340, "89 min"), (7_500, "2 h 05 min")]
)
def test_duration(report, seconds, text):
    assert report.duration(seconds) == text


def test_peak_memory_shows_what_the_step_added(report):
    grown = season(1_000, 14.4)
    grown["steps"][1]["growth_mb"] = 62
    header, rows = report.sizes_table(report.side_by_side([grown]))
    columns = list(zip(*header, strict=True))
    approval = next(row for row in rows if row[0].startswith("3."))
    assert approval[columns.index(("peak MB", "1,000"))] == "180 (+62)"
    assert approval[columns.index(("ms", "L/S"))] == "", "one size: no ratio"
    assert report.flatness_line(report.side_by_side([grown])) == "One size only: nothing to compare."
