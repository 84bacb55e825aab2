"""Planning: matrix expansion, cell keys, request bodies, fingerprints, and the diff against the lock."""
