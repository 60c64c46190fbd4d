"""Attack regressions: every finding of the hardening rounds kept as a test (issue 27).

One module per attack surface; each test names the finding it keeps.
"""
