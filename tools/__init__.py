"""The project's own tools that run as ``python -m tools.<name>`` (tools/mutation)."""
