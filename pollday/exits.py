"""The exit codes every pollday command uses (docs/run.md, step 6 "Judge")."""

EXIT_OK = 0  # success; every threshold met
EXIT_THRESHOLD = 1  # a threshold failed
EXIT_BAD_INPUT = 2  # bad input: scenario, arguments
EXIT_HARNESS = 3  # the target or the harness failed
