"""The ``aimass`` command line: one module per command group, no logic beyond library calls."""
