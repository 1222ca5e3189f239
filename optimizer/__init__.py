"""bess-dispatch: battery dispatch for large AI datacenters, a Pyomo LP solved with HiGHS.

Public API (stable names; everything else is reachable but not promised)::

    import optimizer
    scenario = optimizer.load_scenario("default")        # or Scenario.from_series(...)
    result = optimizer.optimize(scenario)
    result.schedule, result.costs, result.summary()
    optimizer.evaluate(scenario, my_schedule)            # bill and violations of a given plan
    scenario.to_dir("my-scenario/")                      # TOML + Parquet, load_scenario reads it
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# A library logs; the application decides what is printed (the CLI sets up its own handler).
logging.getLogger(__name__).addHandler(logging.NullHandler())

# Public name -> the module that defines it. ``import optimizer`` loads none of them (PEP 562):
# Pyomo, scipy and HiGHS load when a model is first built, so ``bess-dispatch --help``,
# ``list``, ``validate`` and ``bill`` and a tariff-only user never pay for them.
_WHERE: dict[str, str] = {
    "BatteryGroup": "optimizer.inputs.assets",
    "BatteryUnit": "optimizer.inputs.assets",
    "ConsistencyError": "optimizer.errors",
    "DispatchResult": "optimizer.results.result",
    "Evaluation": "optimizer.run.evaluate",
    "Event": "optimizer.inputs.grid",
    "EventProgram": "optimizer.inputs.grid",
    "Exclusivity": "optimizer.results.result",
    "FlexibleLoad": "optimizer.inputs.grid",
    "FrequencyReserve": "optimizer.inputs.grid",
    "GpuCluster": "optimizer.inputs.assets",
    "GridRules": "optimizer.inputs.grid",
    "InfeasibleError": "optimizer.errors",
    "InputError": "optimizer.errors",
    "Issue": "optimizer.errors",
    "ModelFileError": "optimizer.errors",
    "ModellingWarning": "optimizer.errors",
    "OperationResult": "optimizer.operation.operate",
    "OptimizerError": "optimizer.errors",
    "OutputPathError": "optimizer.errors",
    "OptimizerWarning": "optimizer.errors",
    "PriceSeriesSource": "optimizer.tariffs.spec",
    "RampLimit": "optimizer.inputs.grid",
    "Resilience": "optimizer.inputs.resilience",
    "ResultCheckError": "optimizer.errors",
    "Scenario": "optimizer.inputs.scenario",
    "Site": "optimizer.inputs.assets",
    "SolveError": "optimizer.errors",
    "SolveReport": "optimizer.solver.status",
    "SolveStatus": "optimizer.solver.status",
    "SolverLimitError": "optimizer.errors",
    "SolverOptions": "optimizer.inputs.options",
    "SolverUnavailableError": "optimizer.errors",
    "SwingBuffer": "optimizer.inputs.grid",
    "Tariff": "optimizer.inputs.tariff",
    "TerminationCondition": "optimizer.solver.status",
    "TimeSeriesError": "optimizer.errors",
    "UnboundedError": "optimizer.errors",
    "WarmSolver": "optimizer.run.warm",
    "bill": "optimizer.tariffs.calculator",
    "build_model": "optimizer.formulation.build",
    "evaluate": "optimizer.run.evaluate",
    "builtin_scenario": "optimizer.io",
    "load_scenario": "optimizer.io",
    "operate": "optimizer.operation.operate",
    "optimize": "optimizer.run.optimize",
    "precheck": "optimizer.formulation.precheck",
    "read_result": "optimizer.results.files",
    "resilience_tradeoff": "optimizer.run.resilience",
    "simulate_ride_through": "optimizer.results.outage",
    "solve_model": "optimizer.solver.solve",
}

__all__ = [
    "BatteryGroup",
    "BatteryUnit",
    "ConsistencyError",
    "Event",
    "EventProgram",
    "FlexibleLoad",
    "FrequencyReserve",
    "GridRules",
    "RampLimit",
    "Resilience",
    "SwingBuffer",
    "DispatchResult",
    "Evaluation",
    "Exclusivity",
    "GpuCluster",
    "InfeasibleError",
    "InputError",
    "Issue",
    "ModelFileError",
    "ModellingWarning",
    "OptimizerError",
    "OutputPathError",
    "OperationResult",
    "OptimizerWarning",
    "PriceSeriesSource",
    "ResultCheckError",
    "Scenario",
    "Site",
    "SolveError",
    "SolveReport",
    "SolveStatus",
    "SolverLimitError",
    "SolverOptions",
    "SolverUnavailableError",
    "Tariff",
    "TerminationCondition",
    "TimeSeriesError",
    "UnboundedError",
    "WarmSolver",
    "bill",
    "build_model",
    "builtin_scenario",
    "evaluate",
    "load_scenario",
    "operate",
    "optimize",
    "precheck",
    "read_result",
    "resilience_tradeoff",
    "simulate_ride_through",
    "solve_model",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        msg = f"module 'optimizer' has no attribute {name!r}"
        raise AttributeError(msg)
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


if TYPE_CHECKING:
    from optimizer.errors import (
        ConsistencyError,
        InfeasibleError,
        InputError,
        Issue,
        ModelFileError,
        ModellingWarning,
        OptimizerError,
        OptimizerWarning,
        OutputPathError,
        ResultCheckError,
        SolveError,
        SolverLimitError,
        SolverUnavailableError,
        TimeSeriesError,
        UnboundedError,
    )
    from optimizer.formulation.build import build_model
    from optimizer.inputs.assets import BatteryGroup, BatteryUnit, GpuCluster, Site
    from optimizer.inputs.grid import (
        Event,
        EventProgram,
        FlexibleLoad,
        FrequencyReserve,
        GridRules,
        RampLimit,
        SwingBuffer,
    )
    from optimizer.inputs.options import SolverOptions
    from optimizer.inputs.resilience import Resilience
    from optimizer.inputs.scenario import Scenario
    from optimizer.inputs.tariff import Tariff
    from optimizer.io import builtin_scenario, load_scenario
    from optimizer.operation.operate import OperationResult, operate
    from optimizer.results.files import read_result
    from optimizer.results.outage import simulate_ride_through
    from optimizer.results.result import DispatchResult, Exclusivity
    from optimizer.run.evaluate import Evaluation, evaluate
    from optimizer.run.optimize import optimize, precheck
    from optimizer.run.resilience import resilience_tradeoff
    from optimizer.run.warm import WarmSolver
    from optimizer.solver.solve import solve_model
    from optimizer.solver.status import SolveReport, SolveStatus, TerminationCondition
    from optimizer.tariffs.calculator import bill
    from optimizer.tariffs.spec import PriceSeriesSource
