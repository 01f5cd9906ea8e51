from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from minsheng.core.crypto import current_key_id
from minsheng.core.rotation import DEFAULT_BATCH_SIZE, RotationError, reencrypt_all


class Command(BaseCommand):
    help = (
        "Re-encrypt with the current key (the first of ENCRYPTION_KEYS) every stored value an older key made. "
        "Safe to interrupt and rerun."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"rows per transaction (default {DEFAULT_BATCH_SIZE})",
        )
        parser.add_argument("--dry-run", action="store_true", help="read and count, write nothing")

    def handle(self, *args: Any, batch_size: int, dry_run: bool, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        started = time.perf_counter()
        self.stdout.write(f"Current key id: {current_key_id()}{' (dry run, nothing is written)' if dry_run else ''}")
        try:
            counts = reencrypt_all(batch_size=batch_size, dry_run=dry_run, stdout=self.stdout)
        except RotationError as exc:
            raise CommandError(
                f"{exc}. Nothing of that batch was written; earlier batches are committed and a rerun continues "
                "from there."
            ) from None
        elapsed = time.perf_counter() - started
        if not counts:
            self.stdout.write(f"No model has encrypted fields; nothing to do ({elapsed:.2f}s).")
            return
        total = sum(counts.values())
        verb = "would be re-encrypted" if dry_run else "re-encrypted"
        self.stdout.write(f"{total} values in {len(counts)} models {verb} in {elapsed:.2f}s.")
        if not dry_run:
            self.stdout.write(
                "A process still running with the old key list writes old-key values: restart every process with "
                "the new ENCRYPTION_KEYS, run this again, and remove the old keys once it reports 0 values."
            )
