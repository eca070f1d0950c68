"""Golden runs: optimisations of the model's implementation must leave every result bit-for-bit identical.

A few small runs (every steering mode, interventions that touch places, budgets, demand, the time
rule and a mid-run switch, a burn-in) are pinned in ``tests/data/golden/``: their city and
neighbourhood frames, and a digest of the final state (all population, tie, initiative and place
arrays by value, and the random generator's state, so the same draws were made in the same order).

When the model's *rules* or defaults change on purpose (recalibration), regenerate the pins with
``.venv/bin/python tests/test_golden.py --write --drop-other-machines`` (the other kinds' pins would be
wrong and cannot be written here) and commit them with the change that explains why.
When a speed-up changes only the random draws (numbers drawn inside a compiled kernel), re-pin only
with ``tests/test_same_statistics.py`` passing against its stored statistics and the validation
(``python -m model.experiments.validation``) still passing (issue 19).

numpy picks its ``exp`` by the CPU's vector instructions, and those round the last bit differently,
so bits are only comparable on a machine like the one that wrote the pins. The pins are kept per kind of
machine (numpy's version and the CPU features it uses), each kind in its own folder under
``tests/data/golden/``; ``--write`` (re)writes only this machine's kind, so a change that keeps every bit is
checked on each kind that has pins, and on a kind without them the test is skipped, saying how to add them.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model import CommunityModel, Parameters, make_intervention

GOLDEN = Path(__file__).with_name("data") / "golden"
WEEKS = 40


# Small cities found few initiatives at the default rate: found, burn out and end more, so that
# the initiatives' life cycle (and the growth of their slots) is exercised in a few dozen weeks.
BUSY = Parameters(n_residents=300, burn_in_years=0.5, founding_rate=0.004, burnout_rate=0.03, struggle_weeks=4)


def _cases() -> dict[str, tuple[Parameters, int, list]]:
    """Name -> (parameters, seed, interventions); interventions are made fresh per call (they hold state)."""
    iv = make_intervention
    return {
        "framing": (BUSY, 1, []),
        "facilitating_budget_closures": (
            BUSY.replace(n_residents=400, steering_mode="facilitating"), 2,
            [iv("citizen_budget", start_week=3, eur_per_resident=20.0),
             iv("close_meeting_places", start_week=8, share=0.5, immediate=True)]),
        "enforcing_shock_switch": (
            BUSY.replace(n_residents=400, steering_mode="enforcing"), 3,
            [iv("demand_shock", start_week=2, end_week=20, multiplier=3.0),
             iv("admin_load", start_week=5, factor=2.0),
             iv("switch_steering", start_week=25, mode="facilitating")]),
        "layered_outreach": (
            # Enforcing takes struggling initiatives over at once, so that the case pins takeovers.
            BUSY.replace(n_residents=500, steering_mode="layered", layered_review_weeks=6,
                         neighbourhoods_per_archetype=2, steering={"enforcing": {"takeover_rate": 1.0}}), 13,
            [iv("outreach_campaign", start_week=4, end_week=30, share=0.6),
             iv("drop_inclusion_demand", start_week=10),
             iv("time_rule", start_week=15, end_week=35, protected_share=0.0, builders_do_casework=True),
             iv("protect_community_time", start_week=30, share=0.4)]),
        "no_burn_in": (BUSY.replace(burn_in_years=0.0), 5, []),
    }


def state_digest(m: CommunityModel) -> str:
    """SHA-256 of the model's state by value (dtypes canonicalised) and of its random generator's state."""
    h = hashlib.sha256()
    parts = [("pop", m.pop), ("inits", m.inits), ("places", m.places)]
    for label, obj in parts:
        for f in dataclasses.fields(obj):
            _feed(h, f"{label}.{f.name}", getattr(obj, f.name))
    for name in ("a", "b", "w", "kin", "bridging"):
        _feed(h, f"net.{name}", getattr(m.net, name)[: len(m.net)])
    h.update(json.dumps(m.rng.bit_generator.state, sort_keys=True, default=str).encode())
    return h.hexdigest()


def _feed(h: hashlib._Hash, name: str, values: np.ndarray) -> None:
    v = np.asarray(values)
    v = v.astype(np.float64 if v.dtype.kind == "f" else np.int64)
    h.update(name.encode())
    h.update(np.ascontiguousarray(v).tobytes())


def machine() -> str:
    """numpy's version and the CPU features its vectorised functions use (they decide the last bits)."""
    features = np._core._multiarray_umath.__cpu_features__
    return f"numpy {np.__version__}; " + " ".join(sorted(f for f, on in features.items() if on))


def pin_folder(kind: str | None = None) -> Path:
    """The folder of the pins of a kind of machine (this one's by default), named by a hash of :func:`machine`."""
    return GOLDEN / hashlib.sha256((kind or machine()).encode()).hexdigest()[:12]


DATA = pin_folder()


def _pins() -> dict:
    if not (DATA / "digests.json").exists():
        kinds = [json.loads(f.read_text())["machine"] for f in sorted(GOLDEN.glob("*/digests.json"))]
        pytest.skip(f"no golden runs for this kind of machine ({machine()}; pinned: {'; '.join(kinds)}): "
                    "write them from a commit whose results are known good with `python tests/test_golden.py "
                    "--write` to compare")
    return json.loads((DATA / "digests.json").read_text())


def _run(name: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    params, seed, interventions = _cases()[name]
    m = CommunityModel(params, seed=seed, interventions=interventions)
    m.run_weeks(WEEKS)
    return m.city_frame(), m.neighbourhood_frame(), state_digest(m)


@pytest.mark.parametrize("name", list(_cases()))
def test_golden_run_is_unchanged(name: str) -> None:
    pins = _pins()
    city, nbh, digest = _run(name)
    pd.testing.assert_frame_equal(city, pd.read_parquet(DATA / f"{name}_city.parquet"), check_exact=True)
    pd.testing.assert_frame_equal(nbh, pd.read_parquet(DATA / f"{name}_neighbourhoods.parquet"), check_exact=True)
    assert digest == pins["digests"][name]


@pytest.mark.parametrize("folder", sorted(f.parent for f in GOLDEN.glob("*/digests.json")), ids=lambda f: f.name)
def test_golden_runs_are_not_trivial(folder: Path) -> None:
    """The pinned runs of each kind of machine exercise what they claim: initiatives, cases, closures, switches."""
    assert folder == pin_folder(json.loads((folder / "digests.json").read_text())["machine"])
    fac = pd.read_parquet(folder / "facilitating_budget_closures_city.parquet")
    assert fac["meeting_places_open"].iloc[-1] < fac["meeting_places_open"].iloc[0]
    enf = pd.read_parquet(folder / "enforcing_shock_switch_neighbourhoods.parquet")
    assert set(enf["steering_mode"]) == {"enforcing", "facilitating"}
    lay = pd.read_parquet(folder / "layered_outreach_neighbourhoods.parquet")
    assert lay["steering_mode"].nunique() >= 2 and lay["takeovers"].sum() > 0
    for name in _cases():
        city = pd.read_parquet(folder / f"{name}_city.parquet")
        assert city["initiatives_active"].max() > 0 and city["open_cases"].max() > 0, name
        assert city["ties_formed"].sum() > 0 and city["informal_help_hours"].sum() > 0, name


def write(drop_other_machines: bool = False) -> None:
    """Run every case and (over)write its pins for this kind of machine (and remove the other kinds' if asked)."""
    if drop_other_machines:
        for folder in GOLDEN.iterdir():
            if folder.is_dir() and folder != DATA:
                shutil.rmtree(folder)
    DATA.mkdir(parents=True, exist_ok=True)
    digests = {}
    for name in _cases():
        city, nbh, digests[name] = _run(name)
        city.to_parquet(DATA / f"{name}_city.parquet")
        nbh.to_parquet(DATA / f"{name}_neighbourhoods.parquet")
    (DATA / "digests.json").write_text(json.dumps({"machine": machine(), "digests": digests}, indent=1) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Regenerate the golden runs of tests/test_golden.py.")
    parser.add_argument("--write", action="store_true", required=True,
                        help="(over)write this kind of machine's pins in tests/data/golden/")
    parser.add_argument("--drop-other-machines", action="store_true",
                        help="remove the other kinds' pins (after a change of rules or draws they are wrong)")
    write(parser.parse_args().drop_other_machines)
