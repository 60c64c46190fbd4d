"""Attack regressions: every finding of the hardening rounds kept as a test (issue 27).

The second round's findings live here, one module per attack surface; the first round's
stayed beside the code they test. ``FINDINGS`` maps each finding to its tests, and
``test_findings.py`` checks that every test named still exists, so the map cannot rot.
"""

FINDINGS: dict[str, list[str]] = {
    # Round 1
    "hostile tokens (forged, truncated, binary) on every authenticated endpoint": [
        "tests/service/test_hostile_tokens.py::test_hostile_tokens_are_401_on_every_authenticated_endpoint"],
    "15,000 idle sockets and slowloris senders lock clients out": [
        "tests/service/test_connections.py::test_idle_and_slow_connections_do_not_lock_clients_out",
        "tests/service/test_connections.py::test_the_connection_cap_closes_the_longest_idle"],
    "a read-only database file or folder": [
        "tests/service/test_startup.py::test_read_only_database_file_or_folder_is_exit_3_naming_the_file"],
    "a full disk": ["tests/service/test_disk_full.py::test_disk_full_then_freed"],
    "kill -9 of the service loses acknowledged check-ins": [
        "tests/service/test_crash.py::test_kill9_loses_no_acknowledged_checkin"],
    "kill -9 of the service's parent leaves its workers": [
        "tests/service/test_orphans.py::test_kill9_of_the_parent_leaves_no_worker"],
    "a stalled service": ["tests/service/test_faults.py::test_one_time_stall"],
    "check-ins after the station's protocol": [
        "tests/service/test_policies.py::test_no_checkin_after_the_protocol_was_accepted",
        "tests/service/test_policies.py::test_postgres_refuses_a_checkin_racing_the_protocol"],
    "one voter checked in from many stations at once": [
        "tests/service/test_concurrency.py::test_one_voter_from_many_stations_is_accepted_exactly_once"],
    "PostgreSQL restarted, the service killed, under load": [
        "tests/service/test_chaos.py::test_postgres_restarted_during_checkins",
        "tests/service/test_chaos.py::test_service_killed_and_restarted_during_checkins"],
    "cache-poisoning headers on the public pages": [
        "tests/service/test_public_cache.py::test_no_cache_from_a_client_does_not_force_a_rendering"],
    "schema-driven and fuzzed requests: no 5xx": [
        "tests/service/test_schemathesis.py::test_api_conforms_to_its_schema",
        "tests/service/test_fuzz.py::test_fuzzed_requests_never_get_a_5xx"],
    # Round 2
    "slow readers: pipelined answers never read held sockets past every timeout": [
        "tests/attacks/test_slow_readers.py::test_non_reading_clients_are_aborted_and_count_against_the_cap"],
    "the calculator page: huge stations, foreign Host/Origin, Unicode digits, tracebacks": [
        "tests/attacks/test_station_page_attacks.py::test_the_findings",
        "tests/attacks/test_station_page_attacks.py::test_hostile_fuzz"],
    "serve --workers 100000 and unbounded operator inputs": [
        "tests/attacks/test_operator_inputs.py::test_workers_100000_is_exit_2_with_the_rule_before_anything_starts",
        "tests/attacks/test_operator_inputs.py::test_every_count_has_a_range_named_in_the_error",
        "tests/attacks/test_command_counts.py::test_a_count_out_of_range_is_exit_2_before_anything_starts"],
    "secret files: /dev/zero, a FIFO, a BOM": [
        "tests/attacks/test_operator_inputs.py::test_secret_files_that_are_no_regular_small_files_are_exit_2",
        "tests/attacks/test_operator_inputs.py::test_secret_file_bom_and_whitespace_are_stripped"],
    "fault injection accepts nan": [
        "tests/attacks/test_operator_inputs.py::test_latency_distributions_refuse_nan_inf_and_negatives"],
    "a signal during start-up is ignored": [
        "tests/attacks/test_operator_inputs.py::test_a_signal_stops_a_start_stuck_on_the_database"],
    "orphaned simulation, sizing, Dask and Locust workers after kill -9": [
        "tests/attacks/test_orphans.py::test_simulate_workers_end_with_a_killed_parent",
        "tests/attacks/test_orphans.py::test_sizing_workers_end_with_a_killed_parent",
        "tests/attacks/test_orphans.py::test_local_dask_workers_end_with_a_killed_parent",
        "tests/attacks/test_orphans.py::test_run_service_and_locust_end_with_a_killed_parent"],
    "webcam stills cached past their slot": [
        "tests/attacks/test_snapshot_cache.py::test_max_age_never_outlasts_the_slot_at_any_moment"],
    "a refused register import reset before its answer": [
        "tests/service/test_admin.py::test_refused_import_answers_after_the_rest_of_the_body"],
}
