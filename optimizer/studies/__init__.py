"""What-if studies: a base scenario plus axes, every combination a case, solved on dask.distributed.

- :class:`Study`, :func:`load_study` (``spec.py``): the study file.
- :func:`expand_study`, :class:`Case`, :func:`apply_case` (``cases.py``): the cases.
- :func:`run_study`, :func:`run_case` (``runner.py``): in-process or on dask.distributed.
- :func:`read_cases` (``store.py``): the rows finished so far (resume).
- :func:`pareto_front` (``pareto.py``), :func:`write_study_plots` (``plots.py``).
"""

from optimizer.studies.cases import Case, apply_case, expand_study
from optimizer.studies.runner import run_case, run_study
from optimizer.studies.spec import Study, load_study
from optimizer.studies.store import TIMING_COLUMNS, read_cases

__all__ = [
    "TIMING_COLUMNS",
    "Case",
    "Study",
    "apply_case",
    "expand_study",
    "load_study",
    "read_cases",
    "run_case",
    "run_study",
]
