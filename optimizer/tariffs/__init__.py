"""Tariffs: the tariff model, its windows for the LP, URDB import and the bill calculator.

Pure pandas/numpy: nothing here imports Pyomo (``STYLE.md`` §7).

- :class:`TariffSpec` (``model.py``): the tariff as data.
- :func:`tariff_arrays` (``windows.py``): prices and :class:`DemandWindow` records on a horizon.
- :func:`bill` (``calculator.py``): the bill line by line, independent of the windows.
- :func:`read_urdb` (``urdb.py``) and :func:`load_tariff_spec` (``io.py``): reading.
"""

from optimizer.tariffs.calculator import bill, bill_summary
from optimizer.tariffs.coincident import system_peak_candidates
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
from optimizer.tariffs.demand_windows import (
    BillingMonth,
    DemandWindow,
    EnergyTierBlock,
    TariffArrays,
    billing_months,
    cost_terms,
    demand_windows,
    energy_price_usd_per_mwh,
    energy_tier_blocks,
    export_price_usd_per_mwh,
    tariff_arrays,
    window_values,
)

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
