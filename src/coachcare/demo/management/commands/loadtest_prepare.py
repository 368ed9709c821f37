"""``manage.py loadtest_prepare --users N [--out FILE] [--force]``: accounts for ``make loadtest``."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coachcare.demo.loadtest import loadtest_accounts_prepare, loadtest_accounts_write

DEFAULT_OUT = Path("var/loadtest-accounts.json")


class Command(BaseCommand):
    help = (
        "Give N synthetic accounts per role (coach, young person, municipality policy staff, API token) a random "
        "password and TOTP secret for the load test, written to a file of mode 600. Never on a production system."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=60, help="accounts per role (default: %(default)s)")
        parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="accounts file (default: %(default)s)")
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (only on a load-test or benchmark database)."
        )

    def handle(self, *args: object, users: int, out: Path, force: bool = False, **options: object) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "loadtest_prepare gives accounts a password and a second factor for the load test. It refuses to "
                "run with DEBUG off; use --force only on a synthetic load-test database."
            )
        try:
            accounts = loadtest_accounts_prepare(users=users)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        loadtest_accounts_write(accounts=accounts, path=out)
        data = accounts.data
        self.stdout.write(
            f"Load-test accounts written to {out} (mode 600): {len(accounts.coaches)} coaches, "
            f"{len(accounts.youths)} young people, {len(accounts.policy)} policy staff of municipality "
            f"{data['largest_municipality']}, {len(accounts.api)} API tokens. Database {data['database']}: "
            f"{data['young_people']} young people, {data['coaches']} coaches, {data['trajectories']} trajectories, "
            f"{data['messages']} messages" + (f", {data['database_size']}." if "database_size" in data else ".")
        )
