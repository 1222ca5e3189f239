"""Site load profiles: synthetic, seeded generators of the load the batteries serve."""
