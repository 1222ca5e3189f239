"""optimizer.operation."""
