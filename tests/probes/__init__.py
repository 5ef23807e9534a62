"""pytest plugins that tests load into a child run (``-p tests.probes.<name>``) to observe it."""
