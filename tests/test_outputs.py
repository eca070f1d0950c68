"""Every output is declared once (model/core/outputs.py), and the frames follow the declaration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from model import CommunityModel, Parameters
from model.core.outputs import OUTPUTS


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    m = CommunityModel(Parameters(n_residents=400, burn_in_years=0.5, neighbourhoods_per_archetype=2), seed=3)
    m.run_weeks(10)
    return m.city_frame(), m.neighbourhood_frame()


def test_the_frames_have_one_column_per_declared_output_in_order(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    city, nbh = frames
    assert list(city.columns) == ["week", "year", *OUTPUTS]
    assert list(nbh.columns) == ["week", "year", "neighbourhood", "archetype", "steering_mode", *OUTPUTS]


def test_casework_load_is_open_cases_plus_the_waiting_list(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    for frame in frames:
        assert (frame["casework_load"] == frame["open_cases"] + frame["waiting_list"]).all()
    assert frames[0]["casework_load"].max() > 0


def test_city_values_aggregate_the_neighbourhoods_as_declared(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    city, nbh = frames
    by_week = nbh.groupby("week")
    for name, output in OUTPUTS.items():
        if output.aggregation == "sum":
            np.testing.assert_allclose(city[name], by_week[name].sum(), rtol=1e-12, atol=1e-9, err_msg=name)
        elif name != "community_strength":  # a ratio of summed parts lies between the neighbourhoods' ratios
            assert (city[name] >= by_week[name].min().to_numpy() - 1e-12).all(), name
            assert (city[name] <= by_week[name].max().to_numpy() + 1e-12).all(), name
    parts = [name for name in OUTPUTS if name.startswith("csi_")]
    np.testing.assert_allclose(city["community_strength"], 100 * city[parts].mean(axis=1))


def test_every_output_has_both_languages_a_direction_and_shares_are_shares(
        frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    city, _ = frames
    for name, output in OUTPUTS.items():
        for text in (output.label, output.short):
            assert set(text) == {"nl", "en"} and all(text.values()), name
        assert set(output.unit.text) == {"nl", "en"}
        assert output.better in ("higher", "lower", "neutral"), name
        assert output.aggregation in ("sum", "ratio"), name
        if output.unit.share:
            assert city[name].between(0, 1).all(), name
            assert output.aggregation == "ratio" and output.unit.text == {"nl": "", "en": ""}, name
    assert OUTPUTS["lonely_share"].better == "lower" and OUTPUTS["community_strength"].better == "higher"
    assert OUTPUTS["casework_load"].better == "lower"

