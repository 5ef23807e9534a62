"""Worked examples of plugging an implementation into the suite (see docs/adapters.md)."""
