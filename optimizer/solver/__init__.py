"""optimizer.solver."""
