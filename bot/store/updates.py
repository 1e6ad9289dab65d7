"""Telegram update ids already handled, so an update delivered twice (even across a restart) is handled once."""

from __future__ import annotations

from sqlite_utils import Database

KEPT = 10_000        # update ids remembered: far more than Telegram ever re-delivers
PRUNE_EVERY = 1_000  # new ids between two prunes, so a prune is not a write per update


class UpdateStore:
    """Store methods about the updates Telegram has delivered."""

    db: Database
    _fresh_since_prune = 0

    def first_sight(self, update_id: int) -> bool:
        """Record ``update_id`` as handled; True if it was new, False if it was handled before.

        Every ``PRUNE_EVERY`` new ids, all but the newest ``KEPT`` (in the order they were recorded) go.
        """
        with self.db.atomic():
            new = self.db.execute("INSERT OR IGNORE INTO handled_updates (update_id) VALUES (?)",
                                  [update_id]).rowcount == 1
            if new:
                self._fresh_since_prune += 1
            if self._fresh_since_prune >= PRUNE_EVERY:
                self.db.execute("DELETE FROM handled_updates"
                                " WHERE seq <= (SELECT max(seq) FROM handled_updates) - ?", [KEPT])
                self._fresh_since_prune = 0
        return new

    def newest_update_id(self) -> int:
        """The update id recorded last (0 when none): where a simulated Telegram goes on counting."""
        row = self.db.execute("SELECT update_id FROM handled_updates ORDER BY seq DESC LIMIT 1").fetchone()
        return row[0] if row else 0
