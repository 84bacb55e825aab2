"""The lockfile: model, deterministic dump/load, the crash journal, the store over it, merge."""
