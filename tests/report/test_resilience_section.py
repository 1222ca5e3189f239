"""The report's resilience section, from summary.json alone."""

from __future__ import annotations

import pytest

from optimizer.report.resilience_section import claim_text, resilience_section


def test_section_answers_the_claim_with_the_default_numbers(default_result):
    res = default_result.summary()["resilience"]
    peak = res["site_peak"]
    # the claim: 3,348 MWh usable at a 909.5 MW peak (+4.5 MW aux) -> 3.55 h, and 881 MW of
    # power is 33 MW short of it (SPEC §9 numbers for February 2021)
    assert peak["energy_hours_h"] == pytest.approx(
        3348.18 * 0.967988 / (peak["load_mw"] + 4.5), rel=1e-9
    )
    assert peak["power_short_mw"] == pytest.approx(peak["load_mw"] + 4.5 - 881.1, rel=1e-9)
    assert 0.1 < peak["intervals_power_short_frac"] < 0.4
    html = resilience_section(default_result.summary())
    assert 'id="resilience"' in html
    assert "chart-survival" in html
    assert "3.55 h" in claim_text(res)
    assert "training paused" in claim_text(res)


def test_no_section_without_the_block():
    assert resilience_section({"scenario": "x"}) == ""
