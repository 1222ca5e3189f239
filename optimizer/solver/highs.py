"""HiGHS plumbing in one place: the import, the banner, threads, an LP from arrays, a run.

Everything here talks to ``highspy`` and nothing else: no Pyomo, no rules (those are in
:mod:`optimizer.solver.strategy`). The warm starts (:mod:`optimizer.solver.warmstart`), the
cold route (:mod:`optimizer.solver.solve`) and the re-solves (:mod:`optimizer.solver.resolve`)
all build and run their HiGHS instances through these functions.
"""

from __future__ import annotations

import functools
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np

from optimizer.errors import Issue, SolverUnavailableError
from optimizer.solver.sparse import sp
from optimizer.solver.status import SolveStatus, TerminationCondition, highs_status

# highspy is loaded with this module, before a model is built: loaded mid-solve, its module
# objects (~0.6 MB) land among the model's in Python's memory pools and keep about 12 MB of the
# freed model resident through a year's solve (benchmarks/mem_year.py). A missing highspy is
# reported when a solve asks for it (import_highspy).
try:
    import highspy as _highspy
except ImportError:  # pragma: no cover - highspy is a dependency
    _highspy = None

# Anything that redirects the process's stdout/stderr file descriptors (the banner
# suppression below, Pyomo's persistent HiGHS interface) holds this lock: two threads
# redirecting at once corrupt each other's descriptors.
FD_LOCK = threading.Lock()


def import_highspy() -> Any:
    """The ``highspy`` module, its start-up banner silenced (once per process).

    Returns
    -------
    module
        ``highspy``.

    Raises
    ------
    SolverUnavailableError
        When ``highspy`` is not installed.
    """
    if _highspy is None:  # a missing solver is reported as SolverUnavailableError
        msg = ""
        raise SolverUnavailableError(
            msg, issues=[Issue("highspy is not installed", fix="pip install 'highspy>=1.16,<2'")]
        )
    _silence_banner(_highspy)
    return _highspy


@functools.cache
def _silence_banner(highspy: Any) -> None:
    """HiGHS prints a copyright banner on stdout when the first instance is created, before
    ``output_flag`` can be set; create that first instance with stdout pointed at /dev/null
    (once per process) so that the library prints nothing."""
    with FD_LOCK:
        _create_silently(highspy)


def _create_silently(highspy: Any) -> None:
    try:
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
    except OSError:  # no real stdout (some embedders): the banner is harmless
        highspy.Highs()


class LinearProgram(Protocol):
    """An LP as arrays: :class:`LpArrays` or ``optimizer.solver.standard_form.StandardForm``."""

    a: Any
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray


@dataclass
class LpArrays:
    """An LP as arrays: minimise ``cost' x`` s.t. ``row_lower <= a x <= row_upper``,
    ``col_lower <= x <= col_upper`` (``inf`` where unbounded).

    Attributes
    ----------
    a : scipy.sparse.csc_matrix
        The constraint matrix, rows x columns.
    cost : numpy.ndarray
        Objective coefficients [USD per column unit].
    col_lower, col_upper, row_lower, row_upper : numpy.ndarray
        Bounds, in the columns' and rows' units.
    """

    a: sp.csc_matrix
    cost: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray


def highs_lp(highspy: Any, lp_arrays: LinearProgram) -> Any:
    """A ``highspy.HighsLp`` of ``lp_arrays``, the matrix column-wise, ``inf`` bounds as
    HiGHS's infinity.

    Parameters
    ----------
    highspy : module
        The ``highspy`` module (:func:`import_highspy`).
    lp_arrays : LinearProgram
        The LP.

    Returns
    -------
    highspy.HighsLp
        Ready for ``Highs.passModel``.
    """
    inf = highspy.kHighsInf
    a = sp.csc_matrix(lp_arrays.a)
    n_row, n_col = a.shape
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_col, n_row
    lp.col_cost_ = lp_arrays.cost
    for name in ("col_lower", "col_upper", "row_lower", "row_upper"):
        v = getattr(lp_arrays, name)
        setattr(lp, name + "_", np.where(np.isinf(v), np.copysign(inf, v), v))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr.astype(np.int32)
    lp.a_matrix_.index_ = a.indices.astype(np.int32)
    lp.a_matrix_.value_ = a.data.astype(float)
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n_col, n_row
    return lp


def new_highs(opts: dict[str, Any]) -> Any:
    """A new ``highspy.Highs`` with ``opts`` set.

    Parameters
    ----------
    opts : dict
        HiGHS option name -> value.

    Returns
    -------
    highspy.Highs
        An empty instance.
    """
    h = import_highspy().Highs()
    for key, val in opts.items():
        h.setOptionValue(key, val)
    return h


def highs_instance(
    lp: LinearProgram,
    opts: dict[str, Any],
    *,
    offset_usd: float = 0.0,
    integer: np.ndarray | None = None,
) -> Any:
    """A new ``highspy.Highs`` holding ``lp`` with ``opts`` set (LP options skipped for a MIP).

    Parameters
    ----------
    lp : LinearProgram
        The LP.
    opts : dict
        HiGHS option name -> value.
    offset_usd : float
        The objective's constant [USD].
    integer : numpy.ndarray, optional
        True for integer columns; a MIP lets HiGHS choose the LP solver of its nodes.

    Returns
    -------
    highspy.Highs
        The instance, not yet run.
    """
    highspy = import_highspy()
    hlp = highs_lp(highspy, lp)
    hlp.offset_ = offset_usd
    is_mip = integer is not None and bool(integer.any())
    if is_mip:
        kinds = (highspy.HighsVarType.kInteger, highspy.HighsVarType.kContinuous)
        hlp.integrality_ = [kinds[0] if i else kinds[1] for i in integer]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for k, v in opts.items():
        if is_mip and k in ("solver", "simplex_strategy", "run_crossover"):
            continue  # MIP: let HiGHS choose its LP solver for the nodes
        h.setOptionValue(k, v)
    h.passModel(hlp)
    return h


class _SolveThread:
    """A long-lived thread that runs HiGHS solves of one ``threads`` count for one caller thread."""

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._jobs: queue.SimpleQueue[tuple[Callable[[], Any], threading.Event, list[Any]]] = (
            queue.SimpleQueue()
        )
        worker = threading.Thread(target=self._loop, name=f"bess-highs-{threads}", daemon=True)
        worker.start()

    def _loop(self) -> None:
        _ON_SOLVE_THREAD.threads = self._threads  # solves of this count run here directly
        while True:
            job, done, out = self._jobs.get()
            try:
                out.append((True, job()))
            except BaseException as exc:  # noqa: BLE001 - re-raised on the calling thread
                out.append((False, exc))
            finally:
                done.set()

    def call(
        self, job: Callable[[], Any], while_waiting: Callable[[], object] | None = None
    ) -> Any:
        done = threading.Event()
        out: list[Any] = []
        self._jobs.put((job, done, out))
        if while_waiting is not None:
            try:
                while_waiting()
            except Exception as exc:
                done.wait()  # an error of the work surfaces only once the job has ended
                if not out[0][0]:
                    exc.add_note(f"the job on the solve thread failed too: {out[0][1]!r}")
                raise
            # a KeyboardInterrupt or SystemExit leaves at once, as it does from the wait below
        done.wait()
        ok, value = out[0]
        if not ok:
            raise value
        return value


_SOLVE_THREADS: dict[tuple[int, int], _SolveThread] = {}
_ON_SOLVE_THREAD = threading.local()  # .threads: the count of the solve thread we are on
_SOLVE_THREADS_LOCK = threading.Lock()


def on_solve_thread(
    job: Callable[[], Any], threads: int, while_waiting: Callable[[], object] | None = None
) -> Any:
    """Call ``job()`` on this library's HiGHS thread for ``threads`` and the calling thread.

    HiGHS keeps one task scheduler per calling OS thread, sized by the ``threads`` option of
    the first solve on that thread; a later solve on that thread asking for another count ends
    with status 'Not Set'. So a plain ``highspy`` solve elsewhere in the caller's program (PyPSA,
    linopy or a user's own, HiGHS's default ``threads``) would break every later solve of ours
    on the same thread, and ours would break theirs. Each (calling thread, thread count) pair
    therefore gets one long-lived solve thread here, whose scheduler only ever sees that count;
    the caller's own thread never runs HiGHS. Every route runs its solve through here (the
    matrix hand-off and Pyomo's appsi, contrib and persistent interfaces).

    Each hand-off wakes two threads. On an idle machine that is tens of microseconds; on a busy
    2-core machine each wake-up waits for a time slice, and ``benchmarks/bench_solve_thread.py``
    measured 11.6 ms a solve (2.4 ms direct, 14.0 ms handed off, load 4.7). A loop of many small
    solves (rolling operation) therefore hands its whole loop over once: a ``job`` that is
    already on a solve thread of the same count runs directly.

    Parameters
    ----------
    job : callable
        What runs the solve (``h.run`` or a Pyomo ``solver.solve`` call).
    threads : int
        The HiGHS ``threads`` option of that solve (0: HiGHS chooses).
    while_waiting : callable, optional
        Work for the calling thread while ``job`` runs. HiGHS releases the GIL while it solves,
        so Python work here runs beside the solve on another core (the CLI imports matplotlib
        for its plot here). An exception of it is raised only once ``job`` has ended (with a
        note when ``job`` failed too). On a solve thread already, it runs first, then ``job``,
        one after the other.

    Returns
    -------
    object
        What ``job()`` returned; its exception is raised here.
    """
    if getattr(_ON_SOLVE_THREAD, "threads", None) == int(threads):
        if while_waiting is not None:
            while_waiting()
        return job()  # already on a solve thread of this count (a whole loop handed over once)
    key = (threading.get_ident(), int(threads))
    with _SOLVE_THREADS_LOCK:
        runner = _SOLVE_THREADS.get(key)
        if runner is None:
            runner = _SOLVE_THREADS[key] = _SolveThread(int(threads))
    return runner.call(job, while_waiting)


class OneShot:
    """``fn`` called at most once, its exception kept rather than raised.

    The work handed to the first HiGHS run of a solve (``solve_model(while_solving=...)``):
    whichever run comes first calls it, later runs find it spent, and the caller raises
    ``error`` once the solve is over, so the work's failure is never mistaken for the
    solver's and never costs the solve.
    """

    def __init__(self, fn: Callable[[], object]) -> None:
        self._fn: Callable[[], object] | None = fn
        self.error: Exception | None = None

    def __call__(self) -> None:
        fn, self._fn = self._fn, None
        if fn is None:
            return
        try:
            fn()
        except Exception as exc:  # noqa: BLE001 - kept; the caller raises it after the solve
            self.error = exc


def run_in_scheduler(h: Any, while_waiting: Callable[[], object] | None = None) -> None:
    """``h.run()`` on this library's own HiGHS thread (:func:`on_solve_thread`).

    Parameters
    ----------
    h : highspy.Highs
        The instance to run.
    while_waiting : callable, optional
        Work for the calling thread while HiGHS solves (:func:`on_solve_thread`).
    """
    threads = h.getOptionValue("threads")
    if isinstance(threads, tuple):  # highspy returns (status, value)
        threads = threads[-1]
    on_solve_thread(h.run, int(threads), while_waiting)


class HighsOutcome(NamedTuple):
    """What a HiGHS run gave.

    Attributes
    ----------
    status : SolveStatus
        Ours.
    termination : TerminationCondition
        Ours.
    raw_status : str
        HiGHS's status text.
    x : numpy.ndarray or None
        Primal column values; None without a solution.
    objective_usd : float or None
        Objective value [USD]; None without a solution.
    solve_s : float
        Seconds of the run [s].
    """

    status: SolveStatus
    termination: TerminationCondition
    raw_status: str
    x: np.ndarray | None
    objective_usd: float | None
    solve_s: float


def run_highs(h: Any, while_waiting: Callable[[], object] | None = None) -> HighsOutcome:
    """Run ``h`` (:func:`run_in_scheduler`) and read the outcome.

    A time or iteration limit with a feasible point is ``feasible``; anything but optimal or
    feasible has no values.

    Parameters
    ----------
    h : highspy.Highs
        The instance to run.
    while_waiting : callable, optional
        Work for the calling thread while HiGHS solves (:func:`on_solve_thread`).

    Returns
    -------
    HighsOutcome
        Status, termination, HiGHS's text, values, objective [USD] and seconds [s].
    """
    t1 = time.perf_counter()
    run_in_scheduler(h, while_waiting)
    solve_s = time.perf_counter() - t1
    raw = h.modelStatusToString(h.getModelStatus())
    status, term = highs_status(raw)
    info_h = h.getInfo()
    has_solution = info_h.primal_solution_status == 2  # kSolutionStatusFeasible
    limits = (TerminationCondition.TIME_LIMIT, TerminationCondition.ITERATION_LIMIT)
    if term in limits and has_solution:
        status = SolveStatus.FEASIBLE
    if status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE):
        return HighsOutcome(status, term, raw, None, None, solve_s)
    x = np.asarray(h.getSolution().col_value, dtype=float)
    return HighsOutcome(status, term, raw, x, float(info_h.objective_function_value), solve_s)


def highs_result(h: Any) -> HighsOutcome:
    """What :func:`run_highs` returns, for an instance that has already run (0 s).

    Parameters
    ----------
    h : highspy.Highs
        An instance after ``run()``.

    Returns
    -------
    HighsOutcome
        With ``solve_s`` 0 [s].
    """
    raw = h.modelStatusToString(h.getModelStatus())
    status, term = highs_status(raw)
    x = np.asarray(h.getSolution().col_value, dtype=float)
    return HighsOutcome(status, term, raw, x, float(h.getInfo().objective_function_value), 0.0)


def highs_basis(col_status: np.ndarray, row_status: np.ndarray) -> Any:
    """An alien ``HighsBasis`` of the statuses: HiGHS checks it, completes it and repairs it.

    Parameters
    ----------
    col_status, row_status : numpy.ndarray
        HiGHS basis status codes (0 lower, 1 basic, 2 upper, 3 zero, 4 nonbasic).

    Returns
    -------
    highspy.HighsBasis
        For ``Highs.setBasis``.
    """
    highspy = import_highspy()
    statuses = [highspy.HighsBasisStatus(i) for i in range(5)]
    basis = highspy.HighsBasis()
    basis.col_status = [statuses[i] for i in col_status.tolist()]
    basis.row_status = [statuses[i] for i in row_status.tolist()]
    basis.valid = True
    basis.alien = True
    return basis


def basis_statuses(h: Any, n_cols: int, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The column and row basis statuses of a solved instance as int8 arrays.

    Parameters
    ----------
    h : highspy.Highs
        An instance after ``run()``.
    n_cols, n_rows : int
        Its column and row counts [-].

    Returns
    -------
    tuple of numpy.ndarray
        Column statuses, row statuses (HiGHS codes).
    """
    basis = h.getBasis()
    cs = np.fromiter((int(s) for s in basis.col_status), dtype=np.int8, count=n_cols)
    rs = np.fromiter((int(s) for s in basis.row_status), dtype=np.int8, count=n_rows)
    return cs, rs
