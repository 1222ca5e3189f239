"""The ``bess-dispatch`` command line (typer): ``app.py`` registers one module per command."""
