"""Backends: opening Datalab or the in-process local service, and the per-file results of runs.

    connect.py        open_backend(name) -> Backend; which backend a lock belongs to
    fetch.py          fetch_results: finished runs' per-file results into the cache, once each;
                      file_score_error: per-file scores outside 0..1 on the spec's scale
    probe.py          `doctor`'s read-only first-contact probe of a service
    local_kinds.py    managed rubrics the local engine cannot evaluate at all
    results_cache.py  the cache: `<state dir>/results/<lineage>/<run id>.json`

apply, plan (`--refresh`), status and report all reach the service through this room.
"""
