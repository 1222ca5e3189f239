"""Results: the schedule, the bill by term, and the solve report."""
