"""The local service's engine: real documents in, pipeline outputs and scores out.

    documents.py + *_reader.py   PDF (text layer), HTML, Markdown and text -> pages of blocks
    pipelines.py                 convert / extract / segment, and registered custom pipelines
    convert.py, extract.py, segment.py   what each pipeline produces
    checks.py, labels.py         the deterministic checks of a local eval_definition
    evaluate.py                  scoring one file: pipeline, checks, weighted mean

It must not import the HTTP face: the worker pool calls it directly.
"""
