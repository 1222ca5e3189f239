"""Seeded site load profile of a GPU cluster dominated by large training jobs.

The model works on a fixed internal 1-minute grid anchored at the first interval start
``t_0`` of the requested index. Every random event is drawn on that grid. The output at a
step of ``k`` minutes is the mean of the ``k`` minute values in each interval. So a 15-minute
profile equals the 15-minute mean of the 1-minute profile over the same span, and the effect of
a short dip at a coarse step is its energy-weighted share of the interval.

Each GPU draws a share ``p`` of its TDP (``cluster.gpu_power_mw``) in every minute:

* **Training.** A share ``1 - inference_share_frac`` of the GPUs is split evenly into
  ``n_training_jobs`` slots. Each slot runs one synchronous job after another. A job lasts
  ``U(0.5, 1.5) * job_duration_mean_h`` and is followed by an idle gap of
  ``U(0.5, 1.5) * job_gap_mean_h``. At ``t_0`` every slot is at a random point of its
  first job-plus-gap cycle. While a job runs, ``p = training_power_frac``. This is the
  minute mean of the compute/communication swing of each iteration; sub-minute swings are
  SPEC ``wup_t``/``wdn_t`` and are not modelled here.
* **Checkpoints.** The last ``checkpoint_duration_min`` of every ``checkpoint_interval_h``
  after a job start run at ``p = checkpoint_power_frac``.
* **Restarts.** Failures arrive per slot as a Poisson process at ``restart_rate_per_day``.
  Each one idles the slot's job for ``U(0.5, 1.5) * restart_duration_min``. The checkpoint
  clock is not reset.
* **Inference.** A share ``inference_share_frac`` of the GPUs runs at
  ``p = f_we * (inference_power_mean_frac + inference_diurnal_amplitude_frac *
  cos(2 pi (h - inference_peak_hour_h) / 24))``, where ``h`` is the local clock hour
  and ``f_we = inference_weekend_factor_frac`` on local Saturdays and Sundays (1 otherwise).
  The result is clipped to ``[idle_power_frac, 1]``.
* **Maintenance.** Every ``maintenance_interval_h`` from ``t_0 + maintenance_offset_h``,
  for ``maintenance_duration_h``, a share ``maintenance_share_frac`` of every group idles.
  The schedule is periodic in elapsed time, so it drifts by an hour in local time at a DST change.
* **Idle.** Between jobs, during restarts and in maintenance, ``p = idle_power_frac``.

With ``a`` the GPU-weighted mean of ``p`` (a share of all GPU TDP) and ``b = non_gpu_base_frac``::

    gpu_it_mw     = a * cluster.gpu_power_total_mw
    non_gpu_it_mw = cluster.non_gpu_it_share_frac * cluster.it_power_max_mw * (b + (1 - b) * a)
    load_mw       = (gpu_it_mw + non_gpu_it_mw) * cluster.pue     # SPEC L_t
    gpu_load_mw   = gpu_it_mw * cluster.pue                       # SPEC Lgpu_t

The non-GPU IT is thus a steady base that scales mildly with activity. PUE is constant
(an ASSUMPTION: no weather or part-load dependence). Since ``p <= 1``,
``0 <= gpu_load_mw <= load_mw <= cluster.site_power_max_mw`` holds by construction; a final
clip only guards against rounding.

=================================  =======  ==============================================
parameter                          default  source
=================================  =======  ==============================================
n_training_jobs                    8        assumption
inference_share_frac               0.15     assumption
idle_power_frac                    0.10     assumption (an idle H100 draws ~10-15 % of TDP)
training_power_frac                0.92     assumption; mechanism: TARIFF-NOTES, AI training
job_duration_mean_h                120      assumption ("persist for days")
job_gap_mean_h                     2        assumption
checkpoint_interval_h              2        assumption
checkpoint_duration_min            5        assumption
checkpoint_power_frac              0.30     assumption
restart_rate_per_day               1.0      assumption (Llama 3: 419 unplanned stops in 54 d
                                            on 16k GPUs, arXiv 2407.21783 §3.3.4)
restart_duration_min               30       assumption
maintenance_interval_h             720      assumption (about monthly)
maintenance_offset_h               226      assumption (day 10, 10:00 from a midnight start)
maintenance_duration_h             8        assumption
maintenance_share_frac             0.10     assumption
inference_power_mean_frac          0.65     assumption
inference_diurnal_amplitude_frac   0.20     assumption
inference_peak_hour_h              17       assumption (local afternoon/evening peak)
inference_weekend_factor_frac      0.90     assumption
non_gpu_base_frac                  0.80     assumption
=================================  =======  ==============================================
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from optimizer import timeindex
from optimizer.inputs.assets import GpuCluster

_MIN_PER_H = 60
_MIN_PER_DAY = 1440
_RESTART_BLOCK = 256  # restart draws per block; fixed so that a longer span extends a shorter one

FloatArray = npt.NDArray[np.float64]


def _frac(default: float, what: str) -> float:
    """A share field in [0, 1] marked as an assumption (typed float for the class body)."""
    return Field(default=default, ge=0, le=1, description=f"{what} [-]. ASSUMPTION.")


class GpuProfileParams(BaseModel):
    """Parameters of :func:`generate_site_load`; the module docstring gives the model."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(default=0, ge=0, description="Seed of numpy.random.default_rng [-].")
    n_training_jobs: int = Field(
        default=8, ge=1, le=256, description="Concurrent training job slots [-]. ASSUMPTION."
    )
    inference_share_frac: float = _frac(0.15, "Share of GPUs serving inference")
    idle_power_frac: float = _frac(0.10, "Power of an idle GPU, share of TDP")
    training_power_frac: float = _frac(0.92, "Minute-mean power of a training GPU, share of TDP")
    job_duration_mean_h: float = Field(
        default=120.0, ge=1, le=8760, description="Mean training job length [h]. ASSUMPTION."
    )
    job_gap_mean_h: float = Field(
        default=2.0, ge=0, le=720, description="Mean idle gap between jobs [h]. ASSUMPTION."
    )
    checkpoint_interval_h: float = Field(
        default=2.0, ge=0.1, le=48, description="Time between checkpoints [h]. ASSUMPTION."
    )
    checkpoint_duration_min: float = Field(
        default=5.0, ge=0, le=120, description="Length of a checkpoint dip [min]. ASSUMPTION."
    )
    checkpoint_power_frac: float = _frac(0.30, "GPU power during a checkpoint, share of TDP")
    restart_rate_per_day: float = Field(
        default=1.0, ge=0, le=100, description="Failures per job slot per day [1/d]. ASSUMPTION."
    )
    restart_duration_min: float = Field(
        default=30.0, ge=1, le=1440, description="Mean idle time per restart [min]. ASSUMPTION."
    )
    maintenance_interval_h: float = Field(
        default=720.0, ge=24, le=8760, description="Maintenance window period [h]. ASSUMPTION."
    )
    maintenance_offset_h: float = Field(
        default=226.0, ge=0, le=8760, description="First window start after t_0 [h]. ASSUMPTION."
    )
    maintenance_duration_h: float = Field(
        default=8.0, ge=0, le=168, description="Length of a maintenance window [h]. ASSUMPTION."
    )
    maintenance_share_frac: float = _frac(0.10, "Share of GPUs idle in a maintenance window")
    inference_power_mean_frac: float = _frac(0.65, "Weekday mean inference power, share of TDP")
    inference_diurnal_amplitude_frac: float = _frac(0.20, "Diurnal amplitude, share of TDP")
    inference_peak_hour_h: float = Field(
        default=17.0, ge=0, lt=24, description="Local clock hour of peak inference [h]. ASSUMPTION."
    )
    inference_weekend_factor_frac: float = _frac(0.90, "Weekend/weekday inference power ratio")
    non_gpu_base_frac: float = _frac(0.80, "Non-GPU IT power at idle GPUs, share of its maximum")

    @model_validator(mode="after")
    def _checkpoint_fits(self) -> GpuProfileParams:
        interval_min = self.checkpoint_interval_h * _MIN_PER_H
        if self.checkpoint_duration_min >= interval_min:
            msg = (
                f"checkpoint_duration_min must be shorter than checkpoint_interval_h; expected "
                f"< {interval_min} min, got {self.checkpoint_duration_min}. Shorten the dip"
            )
            raise ValueError(msg)
        return self


def _windows(n_min: int, start_min: npt.ArrayLike, end_min: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Minutes of ``0..n_min-1`` inside any window ``[start, end)`` [-]."""
    diff = np.zeros(n_min + 1, dtype=np.int64)
    np.add.at(diff, np.clip(start_min, 0, n_min), 1)
    np.add.at(diff, np.clip(end_min, 0, n_min), -1)
    return np.cumsum(diff[:-1]) > 0


def _training_slot_frac(
    job_rng: np.random.Generator, restart_rng: np.random.Generator, n_min: int, p: GpuProfileParams
) -> FloatArray:
    """Minute power of one training job slot, share of TDP [-]."""
    cycle_min = 0.5 * (p.job_duration_mean_h + p.job_gap_mean_h) * _MIN_PER_H
    n_jobs = int(np.ceil(n_min / cycle_min)) + 3
    draws = job_rng.random((n_jobs, 3))  # row-major: a longer span extends a shorter one
    duration_min = np.maximum(1, np.rint((0.5 + draws[:, 0]) * p.job_duration_mean_h * _MIN_PER_H))
    gap_min = np.rint((0.5 + draws[:, 1]) * p.job_gap_mean_h * _MIN_PER_H)
    first_min = -np.rint(draws[0, 2] * (duration_min[0] + gap_min[0]))
    start_min = first_min + np.concatenate(([0.0], np.cumsum(duration_min + gap_min)[:-1]))

    minute = np.arange(n_min)
    job = np.searchsorted(start_min, minute, side="right") - 1
    since_start_min = minute - start_min[job]
    is_running = since_start_min < duration_min[job]
    ckpt_min = p.checkpoint_interval_h * _MIN_PER_H
    is_checkpoint = np.mod(since_start_min, ckpt_min) >= ckpt_min - p.checkpoint_duration_min

    is_restarting = np.zeros(n_min, dtype=bool)
    if p.restart_rate_per_day > 0:
        mean_gap_min = _MIN_PER_DAY / p.restart_rate_per_day
        arrivals: list[FloatArray] = []
        lengths: list[FloatArray] = []
        end_min = 0.0
        while end_min < n_min:
            gaps = restart_rng.exponential(mean_gap_min, _RESTART_BLOCK)
            arrivals.append(end_min + np.cumsum(gaps))
            lengths.append(p.restart_duration_min * (0.5 + restart_rng.random(_RESTART_BLOCK)))
            end_min = float(arrivals[-1][-1])
        at_min = np.floor(np.concatenate(arrivals)).astype(np.int64)
        len_min = np.maximum(1, np.rint(np.concatenate(lengths))).astype(np.int64)
        is_restarting = _windows(n_min, at_min, at_min + len_min)

    frac = np.where(is_checkpoint, p.checkpoint_power_frac, p.training_power_frac)
    return np.where(is_running & ~is_restarting, frac, p.idle_power_frac)


def _inference_frac(start: pd.Timestamp, n_min: int, p: GpuProfileParams) -> FloatArray:
    """Minute power of an inference GPU from the local clock, share of TDP [-]."""
    local = pd.date_range(start.tz_convert("UTC"), periods=n_min, freq="1min").tz_convert(start.tz)
    hour_h = local.hour.to_numpy() + local.minute.to_numpy() / _MIN_PER_H
    shape = np.cos(2 * np.pi * (hour_h - p.inference_peak_hour_h) / 24)
    frac = p.inference_power_mean_frac + p.inference_diurnal_amplitude_frac * shape
    frac = frac * np.where(local.day_of_week.to_numpy() >= 5, p.inference_weekend_factor_frac, 1.0)
    return np.clip(frac, p.idle_power_frac, 1.0)


def generate_site_load(
    index: pd.DatetimeIndex, cluster: GpuCluster, params: GpuProfileParams
) -> pd.DataFrame:
    """Synthetic site load of a GPU cluster (training jobs, inference, maintenance).

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Tz-aware local interval starts with a regular step of 1..60 whole minutes.
    cluster : GpuCluster
        GPU count, TDP per GPU [MW], non-GPU IT share [-] and PUE [-].
    params : GpuProfileParams
        Behaviour of the fleet and the seed; see the module docstring.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``index``, with float columns ``load_mw`` (site load at the meter,
        ``(GPU IT + non-GPU IT) * PUE``, SPEC ``L_t``) [MW] and ``gpu_load_mw`` (the GPU
        part of ``load_mw``, GPU IT times PUE, SPEC ``Lgpu_t``) [MW], both interval averages.
        ``0 <= gpu_load_mw <= load_mw <= cluster.site_power_max_mw``.

    Raises
    ------
    TimeSeriesError
        If ``index`` is naive or empty, or its step is not regular whole minutes in 1..60.

    Notes
    -----
    The same ``(index, cluster, params)`` always gives bit-identical output. Events are
    drawn on a 1-minute grid anchored at ``index[0]``, so coarse steps are exact interval
    means of the 1-minute profile over the same span.

    Examples
    --------
    >>> cluster = GpuCluster(name="t", n_gpus=1_000_000, gpu_power_mw=0.0007,
    ...                      non_gpu_it_share_frac=0.15, pue=1.2)
    >>> idx = pd.date_range("2021-02-01", periods=96, freq="15min", tz="America/Chicago")
    >>> df = generate_site_load(idx, cluster, GpuProfileParams(seed=0))
    >>> list(df.columns), bool((df["load_mw"] <= cluster.site_power_max_mw).all())
    (['load_mw', 'gpu_load_mw'], True)
    """
    step_min = timeindex.interval_min(index, field="index", allowed=range(1, 61))
    n_min = len(index) * step_min
    p = params
    children = np.random.default_rng(p.seed).spawn(2 * p.n_training_jobs)

    training_frac = np.zeros(n_min)
    for j in range(p.n_training_jobs):
        training_frac += _training_slot_frac(children[2 * j], children[2 * j + 1], n_min, p)
    training_frac /= p.n_training_jobs
    share = p.inference_share_frac
    gpu_frac = (1 - share) * training_frac + share * _inference_frac(index[0], n_min, p)

    period_min = p.maintenance_interval_h * _MIN_PER_H
    first_min = p.maintenance_offset_h * _MIN_PER_H
    window_start_min = np.rint(first_min + period_min * np.arange(int(n_min // period_min) + 1))
    window_end_min = window_start_min + np.rint(p.maintenance_duration_h * _MIN_PER_H)
    in_window = _windows(n_min, window_start_min.astype(np.int64), window_end_min.astype(np.int64))
    busy_frac = np.where(in_window, 1.0 - p.maintenance_share_frac, 1.0)
    gpu_frac = p.idle_power_frac + (gpu_frac - p.idle_power_frac) * busy_frac

    site_max_mw = cluster.site_power_max_mw
    gpu_it_mw = gpu_frac * cluster.gpu_power_total_mw
    non_gpu_max_mw = cluster.it_power_max_mw * cluster.non_gpu_it_share_frac
    non_gpu_it_mw = non_gpu_max_mw * (p.non_gpu_base_frac + (1 - p.non_gpu_base_frac) * gpu_frac)
    load_mw = np.clip((gpu_it_mw + non_gpu_it_mw) * cluster.pue, 0.0, site_max_mw)
    gpu_load_mw = np.clip(gpu_it_mw * cluster.pue, 0.0, load_mw)

    def interval_mean(minute_mw: FloatArray) -> FloatArray:
        return minute_mw.reshape(len(index), step_min).mean(axis=1)

    return pd.DataFrame(
        {"load_mw": interval_mean(load_mw), "gpu_load_mw": interval_mean(gpu_load_mw)},
        index=index,
    )


def training_paused_site_load(
    index: pd.DatetimeIndex, cluster: GpuCluster, params: GpuProfileParams | None = None
) -> pd.Series:
    """Site load with every training job paused: what is left to carry in a grid outage.

    The training share of the GPUs idles (``p = idle_power_frac``); inference keeps running on
    its diurnal curve, and the non-GPU IT and the facility overhead (PUE) follow the same model
    as :func:`generate_site_load`, with ``a = (1 - s) idle + s inference(h)``::

        load_mw = (a * gpu_power_total_mw
                   + non_gpu_it_share_frac * it_power_max_mw * (b + (1 - b) a)) * pue

    Maintenance windows are ignored (they only idle more GPUs). With the default parameters
    and the 1 GW site this is about 260-290 MW.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        Tz-aware local interval starts, regular whole-minute step of 1..60 min.
    cluster : GpuCluster
        The site's GPU cluster.
    params : GpuProfileParams, optional
        The behaviour parameters (defaults: ``GpuProfileParams()``).

    Returns
    -------
    pandas.Series
        ``training_paused_mw`` [MW] on ``index``, interval means.

    Examples
    --------
    >>> cluster = GpuCluster(name="t", n_gpus=1_000_000, gpu_power_mw=0.0007,
    ...                      non_gpu_it_share_frac=0.15, pue=1.2)
    >>> idx = pd.date_range("2021-02-01", periods=96, freq="15min", tz="America/Chicago")
    >>> s = training_paused_site_load(idx, cluster)
    >>> 250 < float(s.mean()) < 300
    True
    """
    p = params or GpuProfileParams()
    step_min = timeindex.interval_min(index, field="index", allowed=range(1, 61))
    n_min = len(index) * step_min
    share = p.inference_share_frac
    gpu_frac = (1 - share) * p.idle_power_frac + share * _inference_frac(index[0], n_min, p)
    non_gpu_max_mw = cluster.it_power_max_mw * cluster.non_gpu_it_share_frac
    non_gpu_it_mw = non_gpu_max_mw * (p.non_gpu_base_frac + (1 - p.non_gpu_base_frac) * gpu_frac)
    minute_mw = (gpu_frac * cluster.gpu_power_total_mw + non_gpu_it_mw) * cluster.pue
    values = minute_mw.reshape(len(index), step_min).mean(axis=1)
    return pd.Series(values, index=index, name="training_paused_mw")
