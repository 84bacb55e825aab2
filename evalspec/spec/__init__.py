"""Specs: YAML files -> a validated, immutable Spec, with errors at `file:line:col`. No network.

    load.py           load_spec: every spec file, merged and checked
    files.py          schema files, managed documents, paths kept inside the root
    definitions.py    managed rubric files and truth sidecars, checked offline (notes, warnings)
"""
