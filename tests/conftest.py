"""Fixtures shared by several test modules."""

from __future__ import annotations

import pytest
from opendata_samples import CSV, RIVM

from model.opendata import HealthEstimates, Kerncijfers, read_health, read_kerncijfers


@pytest.fixture(scope="module")
def kwb() -> Kerncijfers:
    """The sample gemeente's KWB figures (CSV)."""
    return read_kerncijfers(CSV, "GM9999")


@pytest.fixture(scope="module")
def health() -> HealthEstimates:
    """The sample gemeente's RIVM estimates (latest period)."""
    return read_health(RIVM, "GM9999")
