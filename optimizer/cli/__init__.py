"""optimizer.cli.app."""
