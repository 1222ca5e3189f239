"""optimizer.solver.resolve."""
