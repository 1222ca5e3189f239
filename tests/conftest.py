"""Shared fixtures: the built-in default scenario, solved once per test session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# tests/ holds the independent reference model (reference_lp.py); make it importable.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def default_scenario():
    from optimizer import load_scenario

    return load_scenario("default")


@pytest.fixture(scope="session")
def default_result(default_scenario):
    from optimizer import optimize

    return optimize(default_scenario)
