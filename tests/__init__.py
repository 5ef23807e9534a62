"""Tests of the conformance suite itself: mutants, a rewrite, resolution, traceability."""
