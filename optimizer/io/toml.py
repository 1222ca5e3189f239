"""Reading a TOML model file, and turning pydantic errors into :class:`Issue` records.

Every TOML model starts with ``schema_version = 1`` and is validated by its pydantic model,
which rejects unknown keys (with a "did you mean" hint). This is the one translator from
pydantic errors to issues for every TOML file (scenario, site, tariff, study).
"""

from __future__ import annotations

import difflib
import os
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any, get_args

import pandas as pd
from pydantic import BaseModel, ValidationError

from optimizer.errors import Issue, ModelFileError, TimeSeriesError, file_not_found
from optimizer.inputs.timeseries import read_series

SCHEMA_VERSION = 1


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file and check its ``schema_version``.

    Raises
    ------
    ModelFileError
        Missing file, syntax error (with line and column), or wrong/missing schema_version.
    """
    if not path.exists():
        raise ModelFileError(
            issues=[file_not_found(path)],
        )
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        bad = exc.object[exc.start : exc.start + 1]
        raise ModelFileError(
            issues=[
                Issue(
                    f"not UTF-8 text (byte {bad!r} at line {line})",
                    path=str(path),
                    fix="Save the file as UTF-8 text",
                )
            ],
        ) from exc
    except OSError as exc:  # a folder, no permission, ...
        raise ModelFileError(
            issues=[
                Issue(
                    f"cannot read the file ({exc.strerror})",
                    path=str(path),
                    fix="Point at a readable TOML file",
                )
            ],
        ) from exc
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ModelFileError(
            issues=[
                Issue(
                    f"TOML syntax error: {exc}",
                    path=str(path),
                    fix="Correct the TOML at that line and column",
                )
            ],
        ) from exc
    version = doc.pop("schema_version", None)
    if version != SCHEMA_VERSION:
        raise ModelFileError(
            issues=[
                Issue(
                    "wrong or missing schema_version",
                    path=str(path),
                    field="schema_version",
                    expected=str(SCHEMA_VERSION),
                    got=repr(version),
                    fix=f"Put 'schema_version = {SCHEMA_VERSION}' at the top of the file",
                )
            ],
        )
    return doc


def _keys_at(model: type[BaseModel] | None, loc: tuple[Any, ...]) -> list[str]:
    """The keys the (nested) pydantic model accepts at ``loc``, for "did you mean" hints."""
    for part in loc:
        if model is None or isinstance(part, int):
            continue
        info = model.model_fields.get(str(part))
        todo, model = [info.annotation] if info is not None else [], None
        while todo:  # find the BaseModel inside Optional[...] / tuple[..., ...]
            t = todo.pop()
            if isinstance(t, type) and issubclass(t, BaseModel):
                model = t
                break
            todo.extend(get_args(t))
    return list(model.model_fields) if model is not None else []


def issues_from_validation(
    exc: ValidationError, path: Path, table: str, model: type[BaseModel] | None = None
) -> list[Issue]:
    """Every error of a pydantic validation as an :class:`Issue` naming the TOML key.

    The one translator for every TOML file (scenario, site, asset, tariff, study).

    Parameters
    ----------
    exc : pydantic.ValidationError
        What ``model.model_validate`` raised.
    path : Path
        The TOML file, for the messages.
    table : str
        The table the validated dict came from (``"tariff"``, ``"study"``, ...): the prefix
        of every ``field``.
    model : type of pydantic.BaseModel, optional
        The model validated; with it an unknown key gets a "did you mean" hint naming the
        closest key the (nested) model accepts there.

    Returns
    -------
    list of Issue
        One per error: unknown key (with the hint), required key missing, a model
        validator's own message, or a field's message with the value given.
    """
    issues = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in (table, *err["loc"]) if p != "")
        kind = err["type"]
        if kind == "extra_forbidden":
            near = difflib.get_close_matches(
                str(err["loc"][-1]), _keys_at(model, err["loc"][:-1]), n=1
            )
            fix = (
                f"Did you mean {near[0]!r}? Otherwise remove the key"
                if near
                else "Remove the key or correct its spelling"
            )
            issues.append(
                Issue("unknown key", path=str(path), field=loc, got=repr(err.get("input")), fix=fix)
            )
        elif kind == "missing":
            issues.append(
                Issue("required key missing", path=str(path), field=loc, fix="Add the key")
            )
        elif kind == "value_error" and isinstance(
            err.get("input"), dict
        ):  # a model validator: its message says what and how to fix
            issues.append(
                Issue(err["msg"].removeprefix("Value error, "), path=str(path), field=loc)
            )
        else:
            issues.append(
                Issue(
                    err["msg"].removeprefix("Value error, "),
                    path=str(path),
                    field=loc,
                    got=repr(err.get("input"))[:80],
                    fix="Correct the value",
                )
            )
    return issues


def _one_table(doc: dict[str, Any], table: str, path: Path) -> dict[str, Any]:
    extra = sorted(set(doc) - {table})
    issues = []
    if table not in doc:
        issues.append(
            Issue(
                f"table [{table}] missing",
                path=str(path),
                field=table,
                fix=f"Add a [{table}] table",
            )
        )
    for key in extra:
        fix = (
            f"Rename [{key}] to [{table}]"
            if difflib.get_close_matches(key, [table])
            else f"This file holds one [{table}] table; remove {key!r}"
        )
        issues.append(Issue("unknown key", path=str(path), field=key, fix=fix))
    if issues:
        raise ModelFileError(issues=issues)
    return dict(doc[table])


def _validate(model: type[BaseModel], raw: dict[str, Any], path: Path, table: str) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ModelFileError(issues=issues_from_validation(exc, path, table, model)) from exc


def _missing(raw: str, toml: Path, key: str) -> Issue | None:
    """An issue when the file ``raw`` named by ``key`` in ``toml`` does not exist.

    ``raw`` is relative to the folder of ``toml``.
    """
    file = (toml.parent / raw).resolve()
    if file.exists():
        return None
    fix = f"Correct {key}; paths in a TOML model are relative to the folder of that TOML file"
    if not Path(raw).is_absolute() and (Path.cwd() / raw).exists():
        relative = os.path.relpath(Path.cwd() / raw, toml.parent)
        fix = (
            f"{raw!r} exists relative to the current folder, but paths are relative to the"
            f" TOML file: write {relative!r}"
        )
    return Issue(
        "file not found",
        path=str(toml),
        field=key,
        got=f"{raw!r}, which resolves to {file}",
        fix=fix,
    )


def _require(toml: Path, named: list[tuple[str, str]]) -> None:
    """Raise one ModelFileError listing every ``(key, raw path)`` of ``toml`` that names no file."""
    issues = [i for key, raw in named if (i := _missing(raw, toml, key)) is not None]
    if issues:
        raise ModelFileError(issues=issues)


def _series(
    file: Path,
    column: str,
    timestamp_column: str,
    *,
    toml: Path,
    table: str,
    path_key: str = "path",
    column_key: str = "column",
) -> pd.Series:
    """:func:`read_series`, its problems named by the TOML keys that set it (``table.column``)."""
    try:
        return read_series(file, column, timestamp_column)
    except TimeSeriesError as exc:
        keys = {None: path_key, column: column_key, timestamp_column: "timestamp_column"}
        issues = [
            replace(
                i,
                field=f"{table}.{keys[i.field]}",
                fix=f"{i.fix}; {table}.{keys[i.field]} is set in {toml.name}",
            )
            if i.field in keys
            else i
            for i in exc.issues
        ]
        raise TimeSeriesError(issues=issues) from exc
