"""Reports and gates: what a lock's runs scored, how that moved against a baseline, and verdicts.

    load_baseline(text, lock_path)            -> Baseline        (a lockfile path or `git:REF`)
    load_results(lock, state_dir, fetch)      -> {key: RunResults} (cache first, fetch seam for misses)
    build_report(lock, name, results, baseline, baseline_results, extra_keys) -> Report
    with_gates(report, gates)                 -> Report with a GateResult per gate
    render(report, fmt) / render_template(report, path) -> text

jinja2 is imported only in this package (DESIGN.md, "one dependency per stage").
"""
