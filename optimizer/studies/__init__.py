"""optimizer.studies."""
