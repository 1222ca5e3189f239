"""Writing an output file atomically: a temporary name in the same folder, then a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomic(target: Path, write: Callable[[Path], object]) -> Path:
    """Write ``target`` via ``write(tmp_path)`` to a temporary name, then rename into place.

    The temporary file sits in the same folder (same file system), so the rename is atomic:
    readers see either the old complete file or the new complete one.
    """
    target = Path(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are meant to be shared
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target
