"""The local service's engine: real documents in, pipeline outputs and scores out.

    documents.py + *_reader.py   PDF (text layer), HTML, Markdown and text -> pages of blocks
    blocks.py                    what the readers share (Block, decoding, table rows): all they import
    pipelines.py                 convert / extract / segment, and registered custom pipelines
    convert.py, extract.py, segment.py   what each pipeline produces
    checks.py, labels.py         the deterministic checks of a local eval_definition
    similarity.py                truth_similarity's measure, near-linear in document size
    evaluate.py                  scoring one file: pipeline, checks, weighted mean
    filetask.py                  one file as a task for a worker, and the parse cache
    procpool.py, procworker.py   worker processes (one per core) with per-file time/memory limits

It must not import the HTTP face: the worker pool calls it directly.
"""
