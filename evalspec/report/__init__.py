"""Reports and gates: what a lock's runs scored, how that moved against a baseline, and verdicts.

    assemble(paths, lock_path, baseline, ...)  -> Report   (spec + lock + baseline + results)
    load_baseline(text, lock_path)             -> Lockfile | None  (a lockfile path or `git:REF`)
    load_results(lock, state_dir, fetch)       -> {key: RunRows} (cache first, fetch seam for misses)
    results_on_demand(lock, state_dir, fetch)  -> the same, each run's rows read when looked up (report)
    build_report(current, baseline, extra_keys) -> Report
    with_gates(report, gates, digest, rules)   -> Report with a GateResult per gate (and moved bars)
    render(report, fmt) / render_template(report, path) -> text  (render_chunks: json cell by cell)
    cell_lines / file_lines                    -> what `evalspec show` prints (showtext.py)

jinja2 is imported only in this package: one dependency per stage.
"""
