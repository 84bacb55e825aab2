"""The lock as apply holds it: in memory, journalled, checkpointed to disk.

`LockStore` is the only writer of a lockfile. Changes that must survive a crash before the
next request (`record_intent`, `record_run`) go to the journal first; progress that the server
can tell us again (`update_run`) stays in memory until the next `checkpoint`, which rewrites
the lock atomically and then empties the journal of all but the open intents.

A cell with an open intent (submitted, run id unknown) is written to the lock file as it was
before the intent: the file never holds a half-made cell, and the run the intent replaces
stays claimed (`superseded`), so that adoption after a crash cannot mistake it for the new one;
so does, for the rest of the apply, the run of any cell an intent replaced.

What the lock records of the apply as a whole (its gates, inputs, backend, score scale) is
written with the first cell that changes, or by `commit_settings` once apply went through:
an apply that fails before it records any run leaves the lock as it was, byte for byte, and
a first apply that fails leaves no lock at all.
"""

from __future__ import annotations

from pathlib import Path

from evalspec.lock import journal
from evalspec.lock.io import read_lock, write_lock
from evalspec.lock.lockfile import GateRules, Inputs, LockCell, Lockfile, Request, RunFields


class LockStore:
    """The in-memory lock plus its journal. Use `LockStore.open(path)` and `close()`."""

    def __init__(self, path: Path, lock: Lockfile) -> None:
        self.path = path
        self._cells = dict(lock.cells)
        self._lockfile = lock  # as last read or written, with the settings recorded since
        self._pending: dict[str, journal.Pending] = {}
        self._replaced: set[int] = set()  # runs of cells that this apply's intents replaced
        self._dirty = False
        self._settings_changed = False
        self._journal = journal.Journal(journal.journal_path(path))

    @classmethod
    def open(cls, path: Path) -> LockStore:
        """Read the lock, replay any journal left by a crash onto it, and checkpoint."""
        lock = read_lock(path) or Lockfile.new()
        entries = journal.read_entries(journal.journal_path(path))  # validated before anything opens
        store = cls(path, lock)
        replayed = journal.replay_entries(store._cells, store._pending, entries)
        store._dirty = replayed > 0
        store.checkpoint()
        return store

    def superseded(self) -> set[int]:
        """Run ids that intents replaced (open ones, or this apply's): never to be adopted as a new run."""
        open_intents = {p.previous.run_id for p in self._pending.values() if p.previous and p.previous.run_id}
        return self._replaced | open_intents

    @property
    def lock(self) -> Lockfile:
        """The current state, open intents included."""
        return self._lockfile.model_copy(update={"cells": {k: self._cells[k] for k in sorted(self._cells)}})

    @property
    def lineage(self) -> str:
        """The lock's lineage (without building the whole `lock`, which sorts every cell)."""
        return self._lockfile.lineage

    @property
    def inputs(self) -> Inputs | None:
        """The lock's record of the managed inputs (without building the whole `lock`)."""
        return self._lockfile.inputs

    def cell(self, key: str) -> LockCell | None:
        """The current state of one cell."""
        return self._cells.get(key)

    def record_intent(self, key: str, fingerprint: str, request: Request, at: str) -> None:
        """Durably note that `key` is about to be submitted (before the POST)."""
        replaced = self._cells.get(key)
        if replaced is not None and replaced.run_id is not None:
            self._replaced.add(replaced.run_id)
        self._log(journal.IntentEntry(key=key, fingerprint=fingerprint, request=request, at=at))

    def record_run(self, key: str, fields: RunFields) -> None:
        """Durably note the run a submission created or adopted (right after the POST)."""
        self._log(journal.RunEntry(key=key, fields=fields))

    def update_run(self, key: str, fields: RunFields) -> None:
        """Note progress the server can tell us again: written at the next checkpoint."""
        if key in self._cells:
            updated = self._cells[key].model_copy(update=fields)
            if updated != self._cells[key]:
                self._cells[key] = updated
                self._dirty = True

    def remove(self, key: str) -> None:
        """Drop a cell that is no longer in the specs."""
        if key in self._cells:
            self._log(journal.RemoveEntry(key=key))

    def set_backend(self, identity: str) -> None:
        """Record which service the lock follows. Cells of an older lock that record no place
        get their old backend's, so that their run ids are never read on the new one."""
        previous = self._lockfile.backend
        if previous == identity:
            return
        if previous is not None:
            for key, cell in self._cells.items():
                if cell.state is None and cell.run_id is not None:
                    self._cells[key] = cell.model_copy(update={"state": previous})
        self._update_settings(self._lockfile.model_copy(update={"backend": identity}))

    def set_score_scale(self, scale: float) -> None:
        """Record the score scale the lock's scores were read with (1 is the default, not written)."""
        scale_or_default = None if scale == 1 else scale
        self._update_settings(self._lockfile.model_copy(update={"score_scale": scale_or_default}))

    def set_gates(self, digest: str, rules: GateRules | None = None) -> None:
        """Record the gates this lock was applied with: their digest and, when given, the gates."""
        gates = self._lockfile.model_copy(update={"gates": digest})
        self._update_settings(gates if rules is None else gates.model_copy(update={"gate_rules": rules}))

    def set_inputs(self, inputs: Inputs) -> None:
        """Record what the managed inputs were (see `plan/inputs.py`), so the next plan can diff them."""
        self._update_settings(self._lockfile.model_copy(update={"inputs": inputs}))

    def _update_settings(self, updated: Lockfile) -> None:
        if updated != self._lockfile:
            self._lockfile = updated
            self._settings_changed = True

    def commit_settings(self) -> None:
        """Apply went through: write what it recorded of itself even if no cell changed (moved
        gates, a new backend), at the next checkpoint."""
        self._dirty = self._dirty or self._settings_changed

    def checkpoint(self) -> None:
        """Write the lock (atomically) if it changed, then keep only open intents in the journal."""
        if not self._dirty:
            return
        on_disk = dict(self._cells)
        for key, pending in self._pending.items():
            if pending.previous is None:
                on_disk.pop(key, None)
            else:
                on_disk[key] = pending.previous
        if not on_disk and not self.path.exists():
            # Nothing recorded yet (only intents, in the journal): a lock appears with its first run.
            self._journal.rewrite([pending.entry for pending in self._pending.values()])
            self._dirty = False
            return
        self._lockfile = self._lockfile.with_cells(on_disk)
        write_lock(self.path, self._lockfile)
        self._settings_changed = False
        self._journal.rewrite([pending.entry for pending in self._pending.values()])
        self._dirty = False

    def close(self) -> None:
        """Checkpoint and close the journal (removed when no intent is open)."""
        self.checkpoint()
        self._journal.close()
        if not self._pending:
            journal.journal_path(self.path).unlink(missing_ok=True)

    def _log(self, entry: journal.Entry) -> None:
        self._journal.append(entry)
        journal.apply_entry(self._cells, self._pending, entry)
        self._dirty = True
