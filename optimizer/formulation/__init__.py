"""The dispatch LP: ``build_model`` lists every constraint family of ``SPEC.md`` §4."""
