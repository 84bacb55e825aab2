"""Backends: opening Datalab or the in-process local service, and the per-file results of runs.

    connect.py        open_backend(name) -> Backend; which backend a lock belongs to
    fetch.py          fetch_results: finished runs' per-file results into the cache, once each
    results_cache.py  the cache: `<state dir>/results/<lineage>/<run id>.json`

apply, plan (`--refresh`), status and report all reach the service through this room.
"""
