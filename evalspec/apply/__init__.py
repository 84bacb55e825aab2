"""Apply: sync managed objects, submit cells, follow runs to the end, keep the lock."""
