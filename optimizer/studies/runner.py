"""Run a study's cases in-process or on dask.distributed, one row per case, resumable.

Three ways to run (:func:`run_study`):

- ``client=None`` and ``workers=None``: one case after another in this process;
- ``workers=N``: a :class:`distributed.LocalCluster` of ``N`` worker processes, one thread each;
- ``client=Client(...)`` or a scheduler address ``"tcp://host:port"``: an existing cluster.

HiGHS runs on one thread per case (dask provides the parallelism). The unit of work is the
module-level :func:`run_case`; no Pyomo model or solver object crosses a process boundary.
The client loads each distinct input (base scenario on a horizon, with a price year) once,
which also checks every window before anything is solved, and scatters it to all workers;
tasks carry only the small :class:`~optimizer.studies.spec.Case`. Each worker keeps a
:class:`WorkerCache` (a dask worker plugin; a plain object in sequential mode) holding one
:class:`optimizer.run.warm.WarmSolver` per horizon shape: the first case of a structure is built
(cold), later ones update that model in place and re-solve warm on the persistent HiGHS
instance; each row says which (``solve_mode``). ``warm=False`` builds every case cold.

With ``out_dir``, each finished case is written atomically as
``out_dir/cases/<case_id>.parquet`` (a temporary name renamed into place, so a killed run
never leaves a file that looks complete) and the rows are gathered into
``out_dir/cases.parquet`` at the end. Running the same study into the same folder again
skips the case ids already there: that is resume, after any kill including SIGKILL. Do not
run two sweeps into one folder at the same time.

A case that fails (infeasible, bad value, solver error, even a bug or a lost worker) becomes
a row with ``status``, ``error_type`` and ``message``; it never stops the sweep.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import pandas as pd
from distributed.diagnostics.plugin import WorkerPlugin

from optimizer.errors import (
    InputError,
    Issue,
    OptimizerError,
    ResultCheckError,
    SolveError,
)
from optimizer.inputs.scenario import Scenario
from optimizer.io import write_atomic
from optimizer.studies.cases import Case, apply_case, check_paths, expand_study, prepare_inputs
from optimizer.studies.spec import Study
from optimizer.studies.store import (
    _frame,
    _read_row,
    _row_path,
    _write_manifest,
    _write_row,
)

if TYPE_CHECKING:
    from distributed import Client

    from optimizer.results.result import DispatchResult

__all__ = ["SweepCachePlugin", "WorkerCache", "run_case", "run_case_on_worker", "run_study"]

logger = logging.getLogger(__name__)

OK_STATUSES = ("optimal", "feasible")
PLUGIN_NAME = "bess-dispatch-sweep-cache"
SCHEDULER_TIMEOUT_S = 10
"""How long to wait for a scheduler at a given address before refusing [s]."""


# ------------------------------------------------------------- one case
@dataclass
class WorkerCache:
    """State one worker keeps between cases: prepared inputs (and, later, warm solvers).

    Attributes
    ----------
    max_inputs : int
        Prepared input scenarios kept, least recently used dropped first [-].
    inputs : OrderedDict
        :attr:`optimizer.studies.spec.Case.input_key` -> prepared :class:`~optimizer.Scenario`.
    solvers : dict
        One :class:`optimizer.run.warm.WarmSolver` per horizon shape: a model built once per
        structure and updated in place for every later case of that structure.
    warm : bool
        Re-solve warm (default); False builds every case cold.
    n_hits, n_misses : int
        Input cache hits and misses [-].
    """

    max_inputs: int = 8
    inputs: OrderedDict[tuple[object, ...], Scenario] = field(default_factory=OrderedDict)
    solvers: dict[object, object] = field(default_factory=dict)
    warm: bool = True
    n_hits: int = 0
    n_misses: int = 0

    def prepared(self, case: Case) -> Scenario:
        """The case's inputs before its axes are applied (loaded once per key)."""
        key = case.input_key
        if key in self.inputs:
            self.n_hits += 1
            self.inputs.move_to_end(key)
            return self.inputs[key]
        self.n_misses += 1
        scenario = prepare_inputs(case)
        self.inputs[key] = scenario
        while len(self.inputs) > self.max_inputs:
            self.inputs.popitem(last=False)
        return scenario


def _status_of(exc: BaseException) -> str:
    if isinstance(exc, InputError):
        return "input_error"
    if isinstance(exc, SolveError):
        return "solver_error"
    if isinstance(exc, ResultCheckError):
        return "check_failed"
    return "error"


def _message(exc: BaseException) -> str:
    if isinstance(exc, OptimizerError):
        return str(exc)
    return "".join(traceback.format_exception(exc))[-4000:]


def _head_row(case: Case) -> dict[str, Any]:
    row: dict[str, Any] = {
        "case_id": case.case_id,
        "position": case.position,
        "study": case.study,
        "label": case.label,
    }
    row.update(case.values)
    row.update(
        start=case.start.isoformat(),
        end=case.end.isoformat(),
        interval_min=case.interval_min,
        load_shift_days=case.load_shift_days,
        status=None,
        error_type=None,
        message=None,
    )
    return row


def _effective(row: dict[str, Any], case: Case, scenario: Scenario) -> None:
    site, tariff = scenario.site, scenario.tariff
    row.update(
        fleet_units=int(sum(g.n_units for g in site.battery_groups)),
        import_limit_mw=float(site.import_limit_mw),
        demand_charge_usd_per_mw=float(tariff.demand_charge_usd_per_mw),
        price_multiplier=float(case.values.get("price_multiplier", 1.0)),
        price_year=int(case.values["price_year"])
        if "price_year" in case.values
        else case.start.year,
        fleet_power_mw=float(site.fleet_power_discharge_max_mw),
        fleet_energy_mwh=float(site.fleet_energy_capacity_mwh),
        n_intervals=int(scenario.n_intervals),
    )


def _net_value(row: dict[str, Any], case: Case, scenario: Scenario) -> None:
    """``annualised_cost_usd`` (the fleet's capital and O&M, annualised and prorated to the
    case's horizon) and ``net_value_usd = savings_usd - annualised_cost_usd`` [USD], when every
    group's unit has ``economics``."""
    from optimizer.inputs.economics import HOURS_PER_YEAR_H, annualised_cost_usd_per_unit

    groups = scenario.site.battery_groups
    if not groups or any(g.unit.economics is None for g in groups):
        return
    years = scenario.n_intervals * scenario.interval_h / HOURS_PER_YEAR_H
    cost = (
        sum(
            g.n_units
            * annualised_cost_usd_per_unit(
                g.unit.economics, case.discount_rate_frac, case.lifetime_years
            )  # type: ignore[arg-type]
            for g in groups
        )
        * years
    )
    row["annualised_cost_usd"] = cost
    if row.get("savings_usd") is not None:
        row["net_value_usd"] = float(row["savings_usd"]) - cost


def _result_columns(row: dict[str, Any], result: DispatchResult) -> None:
    report = result.report
    row.update(
        build_s=float(result.build_s),
        handoff_s=float(report.handoff_s),
        solve_s=float(report.solve_s),
    )
    if str(result.status) not in OK_STATUSES:
        row["status"] = str(result.status)
        row["error_type"] = {"infeasible": "InfeasibleError", "unbounded": "UnboundedError"}.get(
            str(result.status), "SolverLimitError"
        )
        row["message"] = (
            "; ".join(i.message() for i in result.issues) or f"solve ended {result.status}"
        )
        return
    s = result.summary()
    row["status"] = str(result.status)
    row.update(
        bill_baseline_usd=float(s["bill_baseline_usd"]),
        bill_optimized_usd=float(s["bill_optimized_usd"]),
        savings_usd=float(s["savings_usd"]),
    )
    for term, values in result.costs.iterrows():
        if term == "total":
            continue
        row[f"{term}_baseline_usd"] = float(values["baseline_usd"])
        row[f"{term}_optimized_usd"] = float(values["optimized_usd"])
        row[f"{term}_savings_usd"] = float(values["savings_usd"])
    peak_base, peak_opt = float(s["peak_import_baseline_mw"]), float(s["peak_import_optimized_mw"])
    row.update(
        peak_import_baseline_mw=peak_base,
        peak_import_optimized_mw=peak_opt,
        peak_reduction_mw=peak_base - peak_opt,
        energy_charged_mwh=float(s["energy_charged_mwh"]),
        energy_discharged_mwh=float(s["energy_discharged_mwh"]),
        equivalent_full_cycles=float(s["equivalent_full_cycles"]),
        baseline_feasible=bool(s["baseline_feasible"]),
        exclusivity_pairs=int(s["exclusivity_pairs"]),
        n_variables=int(s["n_variables"]),
        n_constraints=int(s["n_constraints"]),
    )


def run_case(
    case: Case,
    cache: WorkerCache | None = None,
    *,
    base: Scenario | None = None,
    schedule_dir: str | None = None,
) -> dict[str, Any]:
    """Build, solve and summarise one case; never raises for a failing case.

    Parameters
    ----------
    case : Case
        From :func:`expand_study`.
    cache : WorkerCache, optional
        This worker's cache; a fresh one (nothing reused) when omitted.
    base : Scenario, optional
        The case's prepared inputs (:func:`optimizer.studies.spec.prepare_inputs`), when the caller
        already has them (dask scatters them); otherwise they come from ``cache``.
    schedule_dir : str, optional
        Write the full schedule to ``<schedule_dir>/<case_id>.parquet`` (atomically).

    Returns
    -------
    dict
        One row: the case id and axis values, the effective inputs (``fleet_units``,
        ``import_limit_mw``, ``price_year`` ...), ``status``, ``error_type`` and
        ``message``, the bill with and without batteries and each cost term
        (``<term>_baseline_usd``, ``<term>_optimized_usd``, ``<term>_savings_usd``)
        [USD], ``savings_usd`` [USD], peak import [MW], equivalent full cycles [-],
        and ``prepare_s``, ``build_s``, ``handoff_s``, ``solve_s``, ``wall_s`` [s].
    """
    from optimizer.run.optimize import optimize

    t0 = time.perf_counter()
    cache = WorkerCache() if cache is None else cache
    row = _head_row(case)
    row.update(
        solve_mode="cold", schedule_path=None, worker=f"{socket.gethostname()}:{os.getpid()}"
    )
    try:
        if base is None:
            base = cache.prepared(case)
        row["prepare_s"] = time.perf_counter() - t0
        scenario = apply_case(base, case)
        if scenario.options.threads is None:  # workers share the machine: one HiGHS thread each
            scenario = scenario.replace(options=scenario.options.model_copy(update={"threads": 1}))
        _effective(row, case, scenario)
        if cache.warm:
            from optimizer.run.warm import WarmSolver

            solver = cache.solvers.setdefault(
                (scenario.n_intervals, scenario.interval_min), WarmSolver(max_models=8)
            )
            assert isinstance(solver, WarmSolver)  # noqa: S101 - the cache holds only these
            warm_before = solver.n_warm
            result = solver.optimize(scenario, raise_on_failure=False)
            row["solve_mode"] = "warm" if solver.n_warm > warm_before else "cold"
        else:
            result = optimize(scenario, raise_on_failure=False)
        _result_columns(row, result)
        _net_value(row, case, scenario)
        if schedule_dir is not None and row["status"] in OK_STATUSES:
            from optimizer.io import write_atomic

            target = Path(schedule_dir) / f"{case.case_id}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, lambda p: result.schedule.to_parquet(p))
            row["schedule_path"] = str(target)
    except Exception as exc:  # a failing case becomes a row; it never stops the sweep
        row.update(status=_status_of(exc), error_type=type(exc).__name__, message=_message(exc))
        logger.debug("case %s failed: %s", case.case_id, exc)
    row["wall_s"] = time.perf_counter() - t0
    return row


# ---------------------------------------------------------------- dask side
class SweepCachePlugin(WorkerPlugin):
    """Dask worker plugin that gives each worker its own :class:`WorkerCache`.

    Registered by :func:`run_study`; :func:`run_case_on_worker` finds it under
    ``worker.plugins[PLUGIN_NAME]``.
    """

    name = PLUGIN_NAME

    def __init__(self) -> None:
        self.cache = WorkerCache()

    def setup(self, worker: Any) -> None:  # noqa: ARG002 - dask's signature
        """Start each worker with an empty cache."""
        self.cache = WorkerCache()

    def teardown(self, worker: Any) -> None:  # noqa: ARG002 - dask's signature
        """Drop the cache."""
        self.cache = WorkerCache()


def run_case_on_worker(
    case: Case, base: Scenario | None = None, *, schedule_dir: str | None = None, warm: bool = True
) -> dict[str, Any]:
    """:func:`run_case` with the calling dask worker's cache (a fresh one if none).

    ``base`` is the case's prepared inputs, scattered once to every worker by
    :func:`run_study`, so workers need no access to the data files.
    """
    cache = None
    try:
        from distributed import get_worker

        plugin = get_worker().plugins.get(PLUGIN_NAME)
        cache = getattr(plugin, "cache", None)
    except (ImportError, ValueError):  # not on a worker
        cache = None
    if cache is not None:
        cache.warm = warm
    return run_case(case, cache, base=base, schedule_dir=schedule_dir)


def _dask_rows(
    client: Client,
    todo: Sequence[Case],
    bases: dict[tuple[object, ...], Scenario],
    schedule_dir: str | None,
    warm: bool = True,
) -> Iterator[dict[str, Any]]:
    from distributed import as_completed

    client.register_plugin(SweepCachePlugin(), name=PLUGIN_NAME)
    token = uuid.uuid4().hex[:8]
    shared = {
        key: client.scatter(scenario, broadcast=True, hash=False) for key, scenario in bases.items()
    }
    futures = client.map(
        run_case_on_worker,
        list(todo),
        [shared[c.input_key] for c in todo],
        schedule_dir=schedule_dir,
        warm=warm,
        key=[f"bess-case-{c.case_id}-{token}" for c in todo],
        pure=False,
    )
    by_key = {f.key: c for f, c in zip(futures, todo, strict=True)}
    try:
        for fut in as_completed(futures):
            case = by_key[fut.key]
            try:
                row = fut.result()
            except Exception as exc:  # lost worker, unpicklable input, ...: still a row
                row = _head_row(case)
                row.update(
                    status="error",
                    error_type=type(exc).__name__,
                    message=_message(exc),
                    solve_mode="cold",
                )
            fut.release()
            yield row
    finally:
        pending = [f for f in futures if not f.done()]
        if pending:
            client.cancel(pending)


class _Bar:
    """A rich progress bar on stderr: done/total, failures, elapsed and time remaining."""

    def __init__(self, *, total: int, done: int, failed: int, title: str, enabled: bool) -> None:
        self.enabled = enabled
        self.failed = failed
        if not enabled:
            return
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("cases, [red]{task.fields[failed]} failed[/]"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
        )
        self.task = self.progress.add_task(title, total=total, completed=done, failed=failed)

    def __enter__(self) -> _Bar:
        if self.enabled:
            self.progress.start()
        return self

    def advance(self, *, failed: bool) -> None:
        self.failed += int(failed)
        if self.enabled:
            self.progress.update(self.task, advance=1, failed=self.failed)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.enabled:
            self.progress.stop()


# ---------------------------------------------------------------- the runner
def run_study(
    study: Study,
    client: Client | str | None = None,
    *,
    out_dir: str | Path | None = None,
    workers: int | None = None,
    save_schedules: bool = False,
    progress: bool = True,
    warm: bool = True,
) -> pd.DataFrame:
    """Solve every case of a study and return one row per case.

    Parameters
    ----------
    study : Study
        The study (see :func:`optimizer.studies.spec.load_study`).
    client : distributed.Client or str, optional
        A caller's client, or a scheduler address (``tcp://127.0.0.1:8786``). Workers must
        be able to import ``optimizer``; inputs are scattered to them, so they read no data
        files (with ``save_schedules`` they write into ``out_dir``, which must be shared).
    out_dir : str or Path, optional
        Folder for ``cases/<case_id>.parquet``, ``cases.parquet``, ``study.json`` (and
        ``schedules/``). Cases already there are skipped (resume). None: nothing written.
    workers : int, optional
        Start a local cluster of this many worker processes (one thread each). With
        neither ``client`` nor ``workers``, cases run one by one in this process.
    save_schedules : bool
        Also write each case's full schedule to ``out_dir/schedules/<case_id>.parquet``.
    progress : bool
        Show a progress bar on stderr.
    warm : bool
        Re-solve cases of one structure on one persistent model per worker (default), or
        build every case cold. Both agree to 1e-6.

    Returns
    -------
    pandas.DataFrame
        One row per case in study order; see :func:`run_case` for the columns.

    Raises
    ------
    ModelFileError, TimeSeriesError
        Before anything is solved: the base scenario or a price file cannot be read, a
        window is not covered, or a dotted axis names no field. Failing *cases* do not raise.
    ValueError
        Both ``client`` and ``workers`` given, or ``save_schedules`` without ``out_dir``.
    """
    _check_run_options(client, workers, save_schedules, out_dir)
    cases = expand_study(study)
    out = Path(out_dir).resolve() if out_dir is not None else None
    done = {
        c.case_id: _read_row(p)
        for c in cases
        if out is not None and (p := _row_path(out, c.case_id)).exists()
    }
    todo = [c for c in cases if c.case_id not in done]
    cache = WorkerCache(warm=warm)
    bases = _prepared_inputs(todo, cache, study)
    schedule_dir = str(out / "schedules") if (save_schedules and out is not None) else None
    n_failed = sum(1 for r in done.values() if r.get("status") not in OK_STATUSES)
    logger.info(
        "study %s: %d cases, %d already done, %d to run",
        study.name,
        len(cases),
        len(done),
        len(todo),
    )
    rows = dict(done)
    t0 = time.perf_counter()
    with (
        _Rows(todo, bases, cache, schedule_dir, warm, client, workers) as stream,
        _Bar(
            total=len(cases), done=len(done), failed=n_failed, title=study.name, enabled=progress
        ) as bar,
    ):
        _prepare_folder(
            out, study, cases
        )  # only now, inputs checked and cluster reached: a refused study writes nothing
        for row in stream:
            if out is not None:
                _write_row(out, row)
            rows[row["case_id"]] = row
            bar.advance(failed=row["status"] not in OK_STATUSES)
    logger.info("study %s: ran %d cases in %.1f s", study.name, len(todo), time.perf_counter() - t0)
    if out is not None:
        frame = _frame([_read_row(_row_path(out, c.case_id)) for c in cases], study.axis_names)
        write_atomic(out / "cases.parquet", lambda p: frame.to_parquet(p, index=False))
        return frame
    return _frame([rows[c.case_id] for c in cases], study.axis_names)


def _check_run_options(
    client: Client | str | None,
    workers: int | None,
    save_schedules: bool,
    out_dir: str | Path | None,
) -> None:
    """ValueError for both ``client`` and ``workers``, or ``save_schedules`` without ``out_dir``."""
    if client is not None and workers is not None:
        msg = (
            "run_study: give either client (an existing cluster) or workers (a local one), not both"
        )
        raise ValueError(msg)
    if save_schedules and out_dir is None:
        msg = "run_study: save_schedules needs out_dir; pass out_dir=<folder>"
        raise ValueError(msg)


def _prepared_inputs(
    todo: list[Case], cache: WorkerCache, study: Study
) -> dict[tuple[object, ...], Scenario]:
    """The prepared inputs of each distinct input key of ``todo``, checked before any solve."""
    first: dict[tuple[object, ...], Case] = {}
    for c in todo:
        first.setdefault(c.input_key, c)
    bases = {
        key: cache.prepared(c) for key, c in first.items()
    }  # fail before building: every input loads and covers its window
    if bases:
        check_paths(next(iter(bases.values())), study)
    return bases


def _prepare_folder(out: Path | None, study: Study, cases: list[Case]) -> None:
    """Create ``out/cases``, clear a killed run's temporaries, write the manifest."""
    if out is None:
        return
    (out / "cases").mkdir(parents=True, exist_ok=True)
    for stale in [*(out / "cases").glob(".*.tmp"), *out.glob(".*.tmp")]:
        stale.unlink(missing_ok=True)  # left by a killed run; never looked complete
    _write_manifest(out, study, cases)


class _Rows:
    """The finished rows of ``todo``, in this process or on dask; closes any cluster it started."""

    def __init__(
        self,
        todo: list[Case],
        bases: dict[tuple[object, ...], Scenario],
        cache: WorkerCache,
        schedule_dir: str | None,
        warm: bool,
        client: Client | str | None,
        workers: int | None,
    ) -> None:
        self.args = (todo, bases, cache, schedule_dir, warm, client, workers)
        self.own_client: Any = None
        self.own_cluster: Any = None

    def __enter__(self) -> Iterator[dict[str, Any]]:
        todo, bases, cache, schedule_dir, warm, client, workers = self.args
        if client is None and workers is None:
            return (run_case(c, cache, schedule_dir=schedule_dir) for c in todo)
        if not todo:
            return iter(())
        from distributed import Client as DaskClient  # only when a cluster is asked for
        from distributed import LocalCluster

        if isinstance(client, str):
            try:
                self.own_client = DaskClient(client, timeout=SCHEDULER_TIMEOUT_S)
            except (
                Exception
            ) as exc:  # refused, timed out, or something that is not a dask scheduler answered
                issue = Issue(
                    "cannot reach the dask scheduler",
                    field="--scheduler",
                    got=f"{client} ({type(exc).__name__}: {exc})",
                    fix="Start one (`dask scheduler`, then `dask worker ADDRESS`), check the address, or run locally with --workers N",
                )
                msg = ""
                raise InputError(msg, issues=[issue]) from exc
        elif client is None:
            self.own_cluster = LocalCluster(
                n_workers=int(workers or 1),
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                # CRITICAL, not ERROR: a worker whose heartbeat meets the scheduler already closed
                # at shutdown logs a traceback at ERROR (seen under load in CI); a case that fails
                # reaches the client as its exception, not through these logs
                silence_logs=logging.CRITICAL,
            )
            self.own_client = DaskClient(self.own_cluster)
        active = self.own_client if self.own_client is not None else client
        return _dask_rows(active, todo, bases, schedule_dir, warm)

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.own_client is not None:
            self.own_client.close()
        if self.own_cluster is not None:
            self.own_cluster.close()
