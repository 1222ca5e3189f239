"""Rebuild the files in data/ from ../shared/data (run from the repository root).

    python data/build_data.py

- ``miso_rt_lmp_arkansas_hub_2021.parquet``: MISO real-time LMP at Arkansas Hub, hourly,
  every hour of 2021 in America/Chicago. Source: U.S. EIA Wholesale Electricity Market data
  (collected by EIA from MISO), public domain; file miso_rt_lmp_hourly_hubs_2021.csv, plus the
  first hour of miso_rt_lmp_hourly_hubs_2022.csv, which covers 2021-12-31 23:00 CST (MISO's file
  is on Eastern Standard Time, so the Chicago year ends one hour into EIA's 2022 file).
  Values are copied, not altered.
- ``memphis_1gw_site_load_2021_15min.parquet``: the built-in site's load, made by this
  project's GPU-cluster profile generator (seed 2021) for the cluster in
  models/clusters/gpu-1m.toml. It is synthetic by construction and labelled so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


def miso_arkansas() -> pd.DataFrame:
    """Arkansas Hub hourly RT LMP on Chicago-local interval starts [USD/MWh]."""
    parts = []
    for year in (2021, 2022):
        raw = pd.read_csv(SHARED / "prices" / f"miso_rt_lmp_hourly_hubs_{year}.csv", skiprows=3)
        end_utc = pd.to_datetime(raw["UTC Timestamp (Interval Ending)"]).dt.tz_localize("UTC")
        start = (end_utc - pd.Timedelta(hours=1)).dt.tz_convert("America/Chicago")
        parts.append(
            pd.DataFrame(
                {"interval_start": start, "lmp_usd_per_mwh": raw["Arkansas Hub LMP"].astype(float)}
            )
        )
    frame = pd.concat(parts, ignore_index=True)
    lo = pd.Timestamp("2021-01-01", tz="America/Chicago")
    hi = pd.Timestamp("2022-01-01", tz="America/Chicago")
    frame = frame[(frame["interval_start"] >= lo) & (frame["interval_start"] < hi)].drop_duplicates(
        "interval_start"
    )
    frame = frame.sort_values("interval_start").reset_index(drop=True)
    expected = pd.date_range(lo, hi, freq="1h", inclusive="left")
    assert len(frame) == len(expected)
    assert (frame["interval_start"].to_numpy() == expected.to_numpy()).all()
    return frame


# Price years for what-if studies (optimizer.studies.spec). EIA's files for these years have gaps,
# which are kept as gaps (never filled): 2022 lacks 2022-07-03 and, with no 2023 file here,
# the last Chicago hour 2022-12-31 23:00; 2024 lacks 2024-01-02 23:00 .. 2024-01-03 22:00 and
# 2024-02-02 01:00 .. 2024-02-16 22:00 and ends at 2024-12-05 16:00 (see data/SOURCES.md).
PARTIAL_YEARS = (2022, 2024)


def miso_arkansas_partial(year: int) -> pd.DataFrame:
    """Arkansas Hub hourly RT LMP of ``year`` on Chicago-local interval starts, gaps kept [USD/MWh].

    Same conversion as :func:`miso_arkansas` (UTC interval ending -> America/Chicago interval
    start, values copied), but only the rows EIA published: a study must pick a window the
    file covers (``optimizer.studies.spec`` checks this before solving).
    """
    raw = pd.read_csv(SHARED / "prices" / f"miso_rt_lmp_hourly_hubs_{year}.csv", skiprows=3)
    end_utc = pd.to_datetime(raw["UTC Timestamp (Interval Ending)"]).dt.tz_localize("UTC")
    start = (end_utc - pd.Timedelta(hours=1)).dt.tz_convert("America/Chicago")
    frame = pd.DataFrame(
        {"interval_start": start, "lmp_usd_per_mwh": raw["Arkansas Hub LMP"].astype(float)}
    )
    lo = pd.Timestamp(f"{year}-01-01", tz="America/Chicago")
    hi = pd.Timestamp(f"{year + 1}-01-01", tz="America/Chicago")
    frame = frame[(frame["interval_start"] >= lo) & (frame["interval_start"] < hi)].drop_duplicates(
        "interval_start"
    )
    return frame.sort_values("interval_start").reset_index(drop=True)


def site_load() -> pd.DataFrame:
    """Built-in site load for 2021 at 15 min from the generator [MW]."""
    import sys

    sys.path.insert(0, str(ROOT))
    from optimizer.io import load_gpu_cluster
    from optimizer.loads.gpu_profile import GpuProfileParams, generate_site_load

    cluster = load_gpu_cluster(ROOT / "models" / "clusters" / "gpu-1m.toml")
    index = pd.date_range(
        pd.Timestamp("2021-01-01", tz="America/Chicago"),
        pd.Timestamp("2022-01-01", tz="America/Chicago"),
        freq="15min",
        inclusive="left",
        name="interval_start",
    )
    frame = generate_site_load(index, cluster, GpuProfileParams(seed=2021))
    return frame.reset_index()


if __name__ == "__main__":
    out = ROOT / "data"
    miso_arkansas().to_parquet(
        out / "miso_rt_lmp_arkansas_hub_2021.parquet", compression="zstd", index=False
    )
    for year in PARTIAL_YEARS:
        miso_arkansas_partial(year).to_parquet(
            out / f"miso_rt_lmp_arkansas_hub_{year}.parquet", compression="zstd", index=False
        )
    load = site_load()
    load[["load_mw", "gpu_load_mw"]] = load[["load_mw", "gpu_load_mw"]].round(4)
    load.to_parquet(
        out / "memphis_1gw_site_load_2021_15min.parquet", compression="zstd", index=False
    )
