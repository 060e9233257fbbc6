"""Benchmark of the pure tariff engine: fees per second for a 5-component
grid (step, marginal, interpolated, degressive per unit, flat), with a
category coefficient, on varied figures. Run: make bench-engine."""

import argparse
import json
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine import (
    FLAT,
    INTERPOLATED,
    MARGINAL,
    PER_UNIT,
    STEP,
    Bracket,
    Coefficient,
    Component,
    Grid,
    validate_grid,
)
from engine.tariff import compile_grid

D = Decimal


def five_component_grid():
    return validate_grid(
        Grid(
            (
                Component(
                    "Base",
                    STEP,
                    "turnover",
                    brackets=(
                        Bracket(D(0), D(1_000_000), amount=D(300)),
                        Bracket(D(1_000_000), D(2_000_000), amount=D(450)),
                        Bracket(D(2_000_000), amount=D(600)),
                    ),
                ),
                Component(
                    "Payroll",
                    MARGINAL,
                    "payroll",
                    figure_cap=D(235_500),
                    brackets=(Bracket(D(0), D(47_100), rate=D("0.1775")), Bracket(D(47_100), rate=D("0.06"))),
                ),
                Component(
                    "Solidarity",
                    INTERPOLATED,
                    "payroll",
                    maximum=D(1000),
                    brackets=(
                        Bracket(D(0), D(18_840)),
                        Bracket(D(18_840), D(28_260), rate=D(0), rate_to=D("0.4")),
                        Bracket(D(28_260), rate=D("0.4")),
                    ),
                ),
                Component(
                    "Staff",
                    PER_UNIT,
                    "headcount",
                    brackets=(
                        Bracket(D(0), D(10), amount=D(12)),
                        Bracket(D(10), D(50), amount=D(8)),
                        Bracket(D(50), amount=D(4)),
                    ),
                ),
                Component("Admin", FLAT, amount=D(25)),
            ),
            floor=D(150),
            ceiling=D(15_000),
            rounding_step=D(1),
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fees", type=int, default=50_000, help="fees per run (default 50,000)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    grid = compile_grid(five_component_grid())
    rng = random.Random(42)
    members = [
        {
            "turnover": D(rng.randint(0, 5_000_000)) / 100 * 100,
            "payroll": D(rng.randint(0, 30_000_000)) / 100,
            "headcount": D(rng.randint(0, 200)),
        }
        for _ in range(args.fees)
    ]
    coefficients = (Coefficient("Region", D("0.9")),)
    rates = []
    for _ in range(args.runs):
        start = time.perf_counter()
        for figures in members:
            grid.evaluate(figures, coefficients)
        rates.append(args.fees / (time.perf_counter() - start))
    result = {
        "fees_per_run": args.fees,
        "runs": args.runs,
        "median_fees_per_second": round(statistics.median(rates)),
        "min_fees_per_second": round(min(rates)),
        "target_fees_per_second": 50_000,
    }
    print(
        f"pure engine, 5-component grid: {result['median_fees_per_second']:,} fees/s "
        f"(median of {args.runs} runs of {args.fees:,}; slowest {result['min_fees_per_second']:,}; "
        f"target 50,000)"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
