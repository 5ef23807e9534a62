"""Mutation score of the conformance suite (docs/mutation.md): ``python -m tools.mutation``.

mutator.py makes first-order mutants of a Python file with a small AST mutator of our own;
targets.py lays out each target (upstream's scheduler modules, mmengine's scheduler base code,
the reference) in a temporary directory the suite can load through ``--impl``; runner.py judges
each mutant with one child ``python -m pytest conformance``; equivalents.py reads the mutants
docs/mutation.md declares equivalent; __main__.py is the command line.
"""
