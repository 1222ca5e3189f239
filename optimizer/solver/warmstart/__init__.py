"""optimizer.solver.warmstart."""
