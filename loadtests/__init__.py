"""pollday's load tests: the synthetic voter register, the Locust replay of a simulated day,
thresholds' figures and the audit.

Only ``locustfile.py`` and the modules it alone uses import locust (which monkey-patches the
process with gevent); what the orchestrator needs (register, ledger, audit) stays free of it.
"""
