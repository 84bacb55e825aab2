"""The base layer: what every stage shares. It imports no stage and prints nothing.

    atomic.py       write_atomic: temp file + fsync + rename (+ fsync of the directory)
    filelock.py     LockfileGuard: one writer per file, by flock; a dead holder is taken over
    textfile.py     read_text_file: regular files only (never a FIFO), bounded, bad UTF-8 located
    yamlsource.py   YAML with line/column marks, duplicate keys refused, alias bombs caught
    validation.py   pydantic errors -> Diagnostics at `file:line:col` with the key path
    suggest.py      "did you mean" for misspelt keys and names
    rates.py        parse_rate: the one parser of `N/SECONDS` budgets
    clock.py        utc_now, parse_timestamp: the clock seam and the one timestamp format
    canonical.py    canonical JSON and sha256 digests
    paths.py        the state directory (`.evalspec/`): the filesystem-root seam
    runstatus.py    the status vocabulary: terminal words and synonyms, file outcomes, unknown words
    durations.py    parse_duration: `90`, `90s`, `45m`, `2h` (apply --timeout, settings.timeout)
    scores.py       read_score: a score divided by settings.score_scale, or why it is invalid
    checkkinds.py   the local check kinds and their parameters: spec checks, engine, rubric schema
    text.py         plural: `1 check`, `2 checks`
    jsontext.py     JSON in native code (orjson, imported nowhere else): indented report text, compact rows
    gcpause.py      the collector paused while large structures are built, frozen in the console process
"""
