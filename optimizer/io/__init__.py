"""Files in and out: TOML models, series, built-in scenarios, atomic writes.

``formulation``, ``tariffs`` and ``solver`` never import this package.

- :func:`load_scenario` (``scenario_file.py``): a scenario TOML and everything it names.
- :func:`builtin_scenario`, :func:`list_builtin_scenarios` (``builtin.py``).
- :func:`load_tariff_spec` (``tariff_file.py``): a tariff-engine TOML or a URDB JSON file.
- :func:`read_toml` (``toml.py``): the one TOML reader and pydantic-error translator.
- :func:`write_atomic` (``atomic.py``).
"""

from optimizer.io.atomic import write_atomic
from optimizer.io.builtin import builtin_root, builtin_scenario, list_builtin_scenarios
from optimizer.io.scenario_file import load_scenario
from optimizer.io.tariff_file import load_tariff_spec
from optimizer.io.toml import SCHEMA_VERSION, read_toml

__all__ = [
    "SCHEMA_VERSION",
    "builtin_root",
    "builtin_scenario",
    "list_builtin_scenarios",
    "load_scenario",
    "load_tariff_spec",
    "read_toml",
    "write_atomic",
]
