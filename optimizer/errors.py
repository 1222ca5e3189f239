"""Exceptions and warnings raised by :mod:`optimizer`.

::

    OptimizerError                      base; catch this to catch everything we raise
    ├── InputError(ValueError)          bad input; the CLI exits with code 2
    │   ├── ModelFileError              TOML unreadable, syntax error, unknown/missing/mistyped keys
    │   ├── TimeSeriesError             a series is naive, unsorted, gappy, NaN, short, ...
    │   ├── ConsistencyError            fields valid alone, infeasible together
    │   └── OutputPathError             an output path is a file, read-only, or the disk is full
    ├── SolveError(RuntimeError)
    │   ├── InfeasibleError             exit code 3
    │   ├── UnboundedError              exit code 3
    │   ├── SolverLimitError            limit hit with no feasible incumbent; exit code 4
    │   └── SolverUnavailableError      exit code 4
    └── ResultCheckError                a post-solve invariant failed; exit code 5

    Warnings: OptimizerWarning(UserWarning) -> ModellingWarning

Every message follows one form::

    <file> [<table>.<field>] at <timestamp>: <what>; expected <x>, got <y>. <fix>.

and every exception carries the parts as structured fields (``issues``), so that the CLI
and sweeps never parse text.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One problem found in the input or in a solution.

    Attributes
    ----------
    what : str
        What is wrong, in a few words.
    path : str | None
        The file the problem is in, if any.
    field : str | None
        Dotted ``table.field`` path inside that file, or the series/column name.
    timestamp : str | None
        The interval start (ISO 8601, local time) the problem is at, if any.
    expected : str | None
        What was expected.
    got : str | None
        What was found.
    fix : str | None
        How to fix it.
    """

    what: str
    path: str | None = None
    field: str | None = None
    timestamp: str | None = None
    expected: str | None = None
    got: str | None = None
    fix: str | None = None

    def message(self) -> str:
        """Render the issue in the house form ``<file> [<field>] at <ts>: what; expected x, got y. Fix.``."""
        where = []
        if self.path:
            where.append(self.path)
        if self.field:
            where.append(f"[{self.field}]")
        if self.timestamp:
            where.append(f"at {self.timestamp}")
        head = " ".join(where) or "input"
        msg = f"{head}: {self.what}"
        parts = [
            f"{k} {v}" for k, v in (("expected", self.expected), ("got", self.got)) if v is not None
        ]
        if parts:
            msg += "; " + ", ".join(parts)
        msg += "."
        if self.fix:
            fix = self.fix.rstrip(".")
            msg += f" {fix}" + ("" if fix.endswith("?") else ".")
        return msg


def file_not_found(path: object) -> Issue:
    """The one wording of a missing input file (paths in a TOML model are relative to it)."""
    return Issue(
        "file not found",
        path=str(path),
        fix="Check the path; paths in a TOML model are relative to that TOML file",
    )


class OptimizerError(Exception):
    """Base of every error this package raises."""

    def __init__(self, msg: str = "", *, issues: list[Issue] | None = None) -> None:
        self.issues: list[Issue] = list(issues or [])
        if not msg and self.issues:
            msg = _join(self.issues)
        super().__init__(msg)


def _join(issues: list[Issue]) -> str:
    if len(issues) == 1:
        return issues[0].message()
    lines = [f"{len(issues)} problems:"] + [f"  - {i.message()}" for i in issues]
    return "\n".join(lines)


class InputError(OptimizerError, ValueError):
    """Input that cannot be used as given."""


class ModelFileError(InputError):
    """A TOML model file cannot be read or does not match its schema."""


class TimeSeriesError(InputError):
    """A time series is malformed or does not fit the horizon."""


class ConsistencyError(InputError):
    """Fields that are valid alone but infeasible together (all issues listed)."""


class OutputPathError(InputError):
    """An output file or folder cannot be written (a file where a folder is meant, read-only, disk full)."""


class SolveError(OptimizerError, RuntimeError):
    """The solver did not return an optimal solution."""


class InfeasibleError(SolveError):
    """The LP has no solution; ``issues`` says which constraint, where and by how much."""


class UnboundedError(SolveError):
    """The LP is unbounded (a missing limit)."""


class SolverLimitError(SolveError):
    """A time or iteration limit was hit with no feasible solution."""


class SolverUnavailableError(SolveError):
    """The solver could not be loaded or crashed."""


class ResultCheckError(OptimizerError):
    """A post-solve invariant of ``SPEC.md`` §6 failed on the returned schedule."""


class OptimizerWarning(UserWarning):
    """Base of every warning this package emits."""


class ModellingWarning(OptimizerWarning):
    """Input that is legal but suspicious (for example a load that looks like kW)."""


__all__ = [
    "ConsistencyError",
    "InfeasibleError",
    "InputError",
    "Issue",
    "ModelFileError",
    "ModellingWarning",
    "OptimizerError",
    "OptimizerWarning",
    "ResultCheckError",
    "SolveError",
    "SolverLimitError",
    "SolverUnavailableError",
    "TimeSeriesError",
    "UnboundedError",
]
