"""Fixtures shared by several test modules."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest
from opendata_samples import CSV, RIVM

from model.opendata import HealthEstimates, Kerncijfers, read_health, read_kerncijfers


def pytest_configure(config: pytest.Config) -> None:
    """Keep the settled cities of this test session in a folder of its own (not the user's cache)."""
    config.settled_folder = tempfile.mkdtemp(prefix="vitality-settled-")
    os.environ["VITALITY_CACHE"] = config.settled_folder


def pytest_unconfigure(config: pytest.Config) -> None:
    """Remove the session's settled cities."""
    shutil.rmtree(config.settled_folder, ignore_errors=True)


@pytest.fixture(scope="module")
def kwb() -> Kerncijfers:
    """The sample gemeente's KWB figures (CSV)."""
    return read_kerncijfers(CSV, "GM9999")


@pytest.fixture(scope="module")
def health() -> HealthEstimates:
    """The sample gemeente's RIVM estimates (latest period)."""
    return read_health(RIVM, "GM9999")
