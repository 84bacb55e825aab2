"""The lockfile: model, deterministic dump/load, atomic writes, journal and file lock."""
