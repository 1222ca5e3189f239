"""Tariffs: the tariff rules, on a horizon for the LP, and the independent bill calculator.

Pure pandas/numpy: nothing here imports Pyomo or reads a file (``STYLE.md`` §7). Files
(tariff TOML, URDB JSON, system-load and candidate CSVs) are read by
:mod:`optimizer.io.tariff_file`.

- ``spec.py``: :class:`TariffSpec` and its parts, the tariff as data.
- ``calendar.py``: billing months, TOU periods, holidays, demand blocks, month hours.
- ``prices.py``: per-interval import and export prices.
- ``demand_windows.py``: one :class:`DemandWindow` per (month x charge), per charge kind.
- ``energy_tiers.py``: one :class:`EnergyTierBlock` per tiered (month x period).
- ``arrays.py``: :func:`tariff_arrays`, everything the LP needs in one :class:`TariffArrays`.
- ``evaluate.py``: :func:`cost_terms`, the LP's bill in numpy.
- ``calculator.py``: :func:`bill`, the bill line by line, independent of the windows.
- ``coincident.py``: candidate system-peak hours from a system load.
- ``urdb.py``: :func:`urdb_to_spec`, an OpenEI URDB rate as a TariffSpec.
"""

from optimizer.tariffs.arrays import BillingMonth, TariffArrays, billing_months, tariff_arrays
from optimizer.tariffs.calculator import bill, bill_summary
from optimizer.tariffs.coincident import system_peak_candidates
from optimizer.tariffs.demand_windows import DemandWindow, demand_windows
from optimizer.tariffs.energy_tiers import EnergyTierBlock, energy_tier_blocks
from optimizer.tariffs.evaluate import cost_terms, window_values
from optimizer.tariffs.prices import energy_price_usd_per_mwh, export_price_usd_per_mwh
from optimizer.tariffs.spec import (
    BillingState,
    CandidateHour,
    CoincidentPeakCharge,
    CoincidentSource,
    ContractDemand,
    DemandPeriod,
    DemandTier,
    EnergyCharge,
    EnergyPeriod,
    EnergyRecord,
    EnergyTier,
    FacilityDemandCharge,
    PeakRecord,
    Ratchet,
    TariffSpec,
    TouDemandCharge,
    TouSchedule,
)
from optimizer.tariffs.urdb import urdb_to_spec

__all__ = [
    "BillingMonth",
    "BillingState",
    "CandidateHour",
    "CoincidentPeakCharge",
    "CoincidentSource",
    "ContractDemand",
    "DemandPeriod",
    "DemandTier",
    "DemandWindow",
    "EnergyCharge",
    "EnergyPeriod",
    "EnergyRecord",
    "EnergyTier",
    "EnergyTierBlock",
    "FacilityDemandCharge",
    "PeakRecord",
    "Ratchet",
    "TariffArrays",
    "TariffSpec",
    "TouDemandCharge",
    "TouSchedule",
    "bill",
    "bill_summary",
    "billing_months",
    "cost_terms",
    "demand_windows",
    "energy_price_usd_per_mwh",
    "energy_tier_blocks",
    "export_price_usd_per_mwh",
    "system_peak_candidates",
    "tariff_arrays",
    "urdb_to_spec",
    "window_values",
]
