"""Load tests built from the simulation: schedule replay, users, the synthetic register.

Importing ``locust`` monkey-patches the whole process (gevent), so only the locustfile and
modules it alone uses import it; this package's ``__init__`` and everything the
orchestrator imports (register, thresholds, audit) stay free of it.
"""
