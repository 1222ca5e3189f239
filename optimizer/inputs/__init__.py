"""Validated input models: one pydantic model per input concept, plus the in-memory Scenario."""
