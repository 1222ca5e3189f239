"""bess-dispatch: battery dispatch for large AI datacenters, a Pyomo LP solved with HiGHS.

Public API (stable names; everything else is reachable but not promised)::

    import optimizer
    scenario = optimizer.load_scenario("default")        # or Scenario.from_series(...)
    result = optimizer.optimize(scenario)
    result.schedule, result.costs, result.summary()
"""

from optimizer.errors import (
    ConsistencyError,
    InfeasibleError,
    InputError,
    Issue,
    ModelFileError,
    ModellingWarning,
    OptimizerError,
    OptimizerWarning,
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
from optimizer.inputs.scenario import Scenario
from optimizer.inputs.tariff import Tariff
from optimizer.io import builtin_scenario, load_scenario
from optimizer.operation.operate import OperationResult, operate
from optimizer.results.result import DispatchResult, Exclusivity, read_result
from optimizer.run.optimize import optimize, precheck
from optimizer.run.warm import WarmSolver
from optimizer.solver import SolveReport, SolveStatus, TerminationCondition, solve_model
from optimizer.tariffs.calculator import bill
from optimizer.tariffs.spec import PriceSeriesSource

__version__ = "0.1.0"

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
    "SwingBuffer",
    "DispatchResult",
    "Exclusivity",
    "GpuCluster",
    "InfeasibleError",
    "InputError",
    "Issue",
    "ModelFileError",
    "ModellingWarning",
    "OptimizerError",
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
    "load_scenario",
    "operate",
    "optimize",
    "precheck",
    "read_result",
    "solve_model",
]
