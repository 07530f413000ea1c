"""Agreement measures against worked examples with known values."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from workbench.coding.agreement import (
    agreement_table,
    cohen_kappa,
    disagreements,
    krippendorff_alpha,
    percent_agreement,
)


def test_cohen_kappa_textbook_example():
    # 50 units: both yes 20, both no 15, a yes/b no 5, a no/b yes 10.
    # p_o = 35/50 = 0.7; p_yes = 0.5*0.6 = 0.30, p_no = 0.5*0.4 = 0.20, p_e = 0.5 -> kappa 0.4
    pairs = [(1, 1)] * 20 + [(0, 0)] * 15 + [(1, 0)] * 5 + [(0, 1)] * 10
    ratings = {"a": {i: x for i, (x, _) in enumerate(pairs)},
               "b": {i: y for i, (_, y) in enumerate(pairs)}}
    assert cohen_kappa(ratings, "a", "b") == pytest.approx(0.4)
    assert percent_agreement(ratings) == pytest.approx(0.7)


def test_kappa_ignores_units_only_one_coder_rated():
    ratings = {"a": {1: 1, 2: 0, 3: 1}, "b": {1: 1, 2: 0, 4: 0}}
    assert cohen_kappa(ratings, "a", "b") == 1.0
    assert percent_agreement(ratings) == 1.0


def test_alpha_matches_krippendorff_worked_example():
    # The krippendorff package's documented example (3 coders, 15 units, missing data):
    # nominal alpha 0.691.
    data = [[np.nan, np.nan, np.nan, np.nan, np.nan, 3, 4, 1, 2, 1, 1, 3, 3, np.nan, 3],
            [1, np.nan, 2, 1, 3, 3, 4, 3, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan],
            [np.nan, np.nan, 2, 1, 3, 4, 4, np.nan, 2, 1, 1, 3, 3, np.nan, 4]]
    ratings = {f"c{i}": {u: (None if np.isnan(v) else int(v)) for u, v in enumerate(row)}
               for i, row in enumerate(data)}
    assert krippendorff_alpha(ratings) == pytest.approx(0.691, abs=1e-3)
    assert krippendorff_alpha(ratings) == pytest.approx(
        krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def test_alpha_by_hand():
    # Units (a, b): (1,1) (0,0) (1,0) (0,0). Coincidences: o11=2, o00=4, o10=o01=1, n=8,
    # n1=3, n0=5. D_o = 2/8, D_e = 2*3*5/(8*7); alpha = 1 - D_o/D_e = 1 - 0.25/(30/56).
    ratings = {"a": {1: 1, 2: 0, 3: 1, 4: 0}, "b": {1: 1, 2: 0, 3: 0, 4: 0}}
    assert krippendorff_alpha(ratings) == pytest.approx(1 - 0.25 / (30 / 56))


def test_perfect_and_degenerate_cases():
    same = {"a": {1: 1, 2: 1}, "b": {1: 1, 2: 1}}
    assert agreement_table(same) == {"percent": 1.0, "kappa": 1.0, "alpha": 1.0, "units": 2}
    assert agreement_table({"a": {1: 1}}) == {"percent": None, "kappa": None, "alpha": None,
                                             "units": 1}


def test_disagreements_lists_units():
    ratings = {"a": {1: 1, 2: 0, 3: 1}, "b": {1: 0, 2: 0}, "c": {3: 1, 2: 1}}
    assert disagreements(ratings) == [1, 2]
    three = agreement_table(ratings)
    assert three["kappa"] is None and three["units"] == 3
