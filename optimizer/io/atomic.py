"""Writing output atomically, and checking output paths before any work is done.

:func:`write_atomic` writes to a temporary name in the target's folder (same file system)
and renames it into place, so readers see either the old complete file or the new one; a
failure (a full disk, a permission) removes the temporary file and raises
:class:`~optimizer.errors.OutputPathError` naming the path. :func:`check_output_dir` and
:func:`check_output_file` let a command refuse a bad ``--out`` before it solves anything.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from optimizer.errors import Issue, OutputPathError

__all__ = ["check_output_dir", "check_output_file", "write_atomic"]


def _os_issue(path: Path, exc: OSError, option: str | None) -> Issue:
    reason = exc.strerror or type(exc).__name__
    if exc.errno == errno.ENOSPC:
        fix = "Free disk space or write to another disk"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "Choose a folder you can write to" + (f" with {option}" if option else "")
    else:
        fix = "Choose another output path" + (f" with {option}" if option else "")
    return Issue(f"cannot write ({reason})", path=str(path), field=option, fix=fix)


def check_output_dir(path: str | Path, *, option: str | None = "--out") -> Path:
    """Make sure ``path`` is, or can become, a folder this process can write into.

    Nothing is created: the nearest existing folder on the way gets a probe file, written and
    removed, so a command can refuse a bad path before any work and leave nothing behind.

    Raises
    ------
    OutputPathError
        ``path`` (or a part of it) is a file, or the folder cannot be written to.
    """
    out = Path(path)
    existing = out
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        what = (
            "output folder is a file"
            if existing == out
            else f"a part of the output path is a file ({existing})"
        )
        msg = ""
        raise OutputPathError(
            msg,
            issues=[
                Issue(
                    what,
                    path=str(out),
                    field=option,
                    expected="a folder (or a path that does not exist yet)",
                    got=f"{existing} is a file",
                    fix=f"Give a folder path{f' with {option}' if option else ''}, or remove the file",
                )
            ],
        )
    try:
        fd, probe = tempfile.mkstemp(prefix=".bess-write-check.", dir=existing)
        os.close(fd)
        Path(probe).unlink()
    except OSError as exc:
        msg = ""
        raise OutputPathError(msg, issues=[_os_issue(out, exc, option)]) from exc
    return out


def check_output_file(path: str | Path, *, option: str | None = "--out") -> Path:
    """Make sure ``path`` can be written as a file: not a folder, its folder writable.

    Raises
    ------
    OutputPathError
        ``path`` is an existing folder, or its folder cannot be created or written to.
    """
    target = Path(path)
    if target.is_dir():
        msg = ""
        raise OutputPathError(
            msg,
            issues=[
                Issue(
                    "output file is a folder",
                    path=str(target),
                    field=option,
                    expected="a file path",
                    got="an existing folder",
                    fix=f"Give a file name{f' with {option}' if option else ''}, e.g. {target / 'bill.csv'}",
                )
            ],
        )
    check_output_dir(target.parent if str(target.parent) else Path(), option=option)
    return target


def write_atomic(target: Path, write: Callable[[Path], object]) -> Path:
    """Write ``target`` via ``write(tmp_path)`` to a temporary name, then rename into place.

    The temporary file sits in the same folder (same file system), so the rename is atomic:
    readers see either the old complete file or the new complete one. Nothing temporary is
    left behind on any failure.

    Raises
    ------
    OutputPathError
        The file system refused (no space, no permission, a folder in the way).
    """
    target = Path(target)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        msg = ""
        raise OutputPathError(msg, issues=[_os_issue(target, exc, None)]) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        tmp.chmod(0o644)  # mkstemp creates 0600; results are meant to be shared
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        msg = ""
        raise OutputPathError(msg, issues=[_os_issue(target, exc, None)]) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
