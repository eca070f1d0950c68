"""The sample open-data files of tests/data/opendata/ (shared by the opendata tests; conftest.py reads them).

The files are made by ``tests/data/opendata/make_samples.py`` (loaded here as ``samples``): a made-up
gemeente, Voorbeeldstad GM9999, in the form of each real download.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data" / "opendata"
CSV, XLSX = DATA / "kwb-2023-voorbeeld.csv", DATA / "kwb-2024-voorbeeld.xlsx"
RIVM, GPKG = DATA / "50120NED-voorbeeld.csv", DATA / "wijkenbuurten-voorbeeld.gpkg"
_spec = importlib.util.spec_from_file_location("make_samples", DATA / "make_samples.py")
samples = importlib.util.module_from_spec(_spec)
sys.modules["make_samples"] = samples
_spec.loader.exec_module(samples)
