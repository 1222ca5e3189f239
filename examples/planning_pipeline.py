"""A planning pipeline: build a scenario from DataFrames it read itself, optimise, use pandas out.

python examples/planning_pipeline.py
"""

from __future__ import annotations

import pandas as pd

import optimizer
from optimizer.io import builtin_root

# 1. The pipeline's own data: here read from the shipped files, but any DataFrame will do.
data = builtin_root() / "data"
load = pd.read_parquet(data / "memphis_1gw_site_load_2021_15min.parquet").set_index(
    "interval_start"
)["load_mw"]
prices = pd.read_parquet(data / "miso_rt_lmp_arkansas_hub_2021.parquet").set_index(
    "interval_start"
)["lmp_usd_per_mwh"]

# 2. Model objects built in Python: no TOML needed.
unit = optimizer.BatteryUnit(
    name="Megapack 2 XL (4 h)",
    power_charge_max_mw=0.979,
    power_discharge_max_mw=0.979,
    energy_capacity_mwh=3.916,
    charge_efficiency_frac=0.968,
    discharge_efficiency_frac=0.968,
    soc_min_frac=0.05,
    degradation_cost_usd_per_mwh=10.0,
)
site = optimizer.Site(
    name="my-site",
    timezone="America/Chicago",
    import_limit_mw=1000.0,
    battery_groups=(optimizer.BatteryGroup(name="fleet", unit=unit, n_units=900),),
)
tariff = optimizer.Tariff(
    name="LMP + demand", demand_charge_usd_per_mw=12_750.0, fixed_charge_usd_per_month=1_500.0
)

# 3. One week at 15 minutes; hourly prices are held over each hour, and the scenario says so.
week = pd.date_range(
    pd.Timestamp("2021-07-12", tz="America/Chicago"),
    periods=7 * 96,
    freq="15min",
    name="interval_start",
)
scenario = optimizer.Scenario.from_series(
    name="pipeline-week",
    site=site,
    tariff=tariff,
    load_mw=load,
    price_usd_per_mwh=prices,
    index=week,
)

result = optimizer.optimize(scenario)
print(result.costs.round(0))
print(scenario.notes)
daily = result.schedule[["grid_import_mw", "discharge_mw"]].resample("1D").max()
print(daily.round(1))
