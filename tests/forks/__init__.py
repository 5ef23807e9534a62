"""Small forks of the reference for tests/test_deviations.py: each deviates on purpose, as a fork
of mmagic that declares a deviation would (the reference class where it changes nothing)."""
