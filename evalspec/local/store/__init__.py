"""The local service's store: sqlite (WAL) and content-addressed blobs under its data directory.

    state.py            Store: the database, the blobs and the repositories over them
    db.py, blobs.py     one serialised sqlite connection; bytes stored by sha256, streamed in
                        (up to 64 KiB as rows of the database, larger ones as files)
    collections.py, files.py, rubrics.py, runs.py   one repository per kind of object
                        (files.py: upload URLs are single-use, expire, and have a size limit)
    outputs.py          each file's pipeline output (for `evalspec show`)

It knows nothing of HTTP or of how documents are scored.
"""
