"""optimizer.run."""
