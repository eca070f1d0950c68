"""An Amsterdam-size city from a KWB file: import, build and run times and peak memory, per ``--scale``.

Writes a made-up KWB table of about 900,000 inhabitants in 100 wijken (``tests/data/opendata/
make_samples.py``; nothing is downloaded), imports it as ``vitality city import`` does, and for
each scale builds the city (with its burn-in) and runs it, each scale in a fresh process so that
peak memory is its own. Prints one table.

Run: ``python benchmarks/real_city.py`` (``--help`` for the scales and lengths).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _samples():
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "tests" / "data" / "opendata" /
                                                  "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def peak_mib() -> float:
    """Peak resident memory of this process in MiB (``ru_maxrss`` is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def measure(kwb: Path, gemeente: str, scale: float, burn_in: float, years: float) -> dict[str, float]:
    """Import the city, build it at ``scale`` (with ``burn_in`` years) and run ``years`` years."""
    from model.core.community import CommunityModel
    from model.core.parameters import Parameters
    from model.core.time import WEEKS_PER_YEAR
    from model.opendata import city_from_figures, read_kerncijfers

    t0 = time.perf_counter()
    city, _ = city_from_figures(read_kerncijfers(kwb, gemeente), "wijk")
    t1 = time.perf_counter()
    params = city.parameters(Parameters(burn_in_years=burn_in, years=years), scale)
    m = CommunityModel(params, seed=1)
    t2 = time.perf_counter()
    weeks = round(years * WEEKS_PER_YEAR)
    m.run_weeks(weeks)
    nbh = m.neighbourhood_frame()
    t3 = time.perf_counter()
    assert nbh["neighbourhood"].nunique() == len(city.neighbourhoods)
    return {"inhabitants": city.inhabitants, "neighbourhoods": len(city.neighbourhoods), "adults": params.n_residents,
            "import_s": t1 - t0, "init_s": t2 - t1, "run_s": t3 - t2,
            "steps_per_s": params.n_residents * weeks / (t3 - t2), "peak_mib": peak_mib()}


def main(argv: list[str] | None = None) -> int:
    """Print the table (or, with ``--one``, measure one scale and print it as JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1, 1.0],
                        help="proportional samples of the adults (default 0.01 0.1 1)")
    parser.add_argument("--inhabitants", type=int, default=900_000, help="size of the made-up city")
    parser.add_argument("--wijken", type=int, default=100, help="its wijken (5 buurten each)")
    parser.add_argument("--burn-in", type=float, default=1.0, help="burn-in years (default 1)")
    parser.add_argument("--years", type=float, default=1.0, help="simulated years after it (default 1)")
    parser.add_argument("--one", nargs=2, metavar=("KWB", "SCALE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure(Path(args.one[0]), "GM9997", float(args.one[1]), args.burn_in, args.years)))
        return 0
    if any(not 0 < s <= 1 for s in args.scales):
        parser.error("scales are shares above 0 and at most 1")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        kwb = Path(tmp) / "kwb-grootstad.csv"
        _samples().write_synthetic_kwb(kwb, inhabitants=args.inhabitants, wijken=args.wijken)
        for scale in args.scales:
            out = subprocess.run([sys.executable, __file__, "--one", str(kwb), str(scale), "--burn-in",
                                  str(args.burn_in), "--years", str(args.years)], check=True, capture_output=True,
                                 text=True).stdout
            rows.append((scale, json.loads(out.strip().splitlines()[-1])))
    first = rows[0][1]
    print(f"A made-up city of {first['inhabitants']:,} inhabitants in {first['neighbourhoods']} wijken; burn-in "
          f"{args.burn_in:g} years, run {args.years:g} years, outputs every week")
    print("| scale | adults | import s | build + burn-in s | run s | resident-steps/s | peak MiB |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for scale, r in rows:
        print(f"| {scale:g} | {r['adults']:,} | {r['import_s']:.2f} | {r['init_s']:.1f} | {r['run_s']:.1f} | "
              f"{r['steps_per_s']:,.0f} | {r['peak_mib']:,.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
