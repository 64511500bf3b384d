"""``hub-admin``: manage associate accounts from the command line.

    hub-admin create-user USERNAME --role associate --role safety_specialist --language fr --queue general
    (the password is read from HUB_NEW_PASSWORD or asked for interactively)
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from handoff.accounts import AccountError, create_associate
from handoff.db import Database, migrate
from handoff.models import QUEUES, ROLES
from handoff.settings import HubSettings


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = argparse.ArgumentParser(prog="hub-admin", description="Manage the hub's associate accounts")
    sub = parser.add_subparsers(dest="command", required=True)
    create = sub.add_parser("create-user", help="create an associate, safety specialist, team lead or admin")
    create.add_argument("username")
    create.add_argument("--name", help="display name")
    create.add_argument("--role", action="append", choices=ROLES, help="repeatable; default associate")
    create.add_argument("--queue", action="append", choices=QUEUES, help="repeatable; default all allowed")
    create.add_argument("--language", action="append", choices=["en", "fr", "ar"], help="repeatable; default all")
    create.add_argument("--max-concurrent", type=int, default=5)
    args = parser.parse_args(argv)
    db = Database(HubSettings.from_env().database_url)
    migrate(db.engine)
    password = os.environ.get("HUB_NEW_PASSWORD") or getpass.getpass(f"password for {args.username}: ")
    try:
        associate = create_associate(
            db, args.username, password, display_name=args.name, roles=args.role, queues=args.queue,
            languages=args.language, max_concurrent=args.max_concurrent,
        )
    except AccountError as exc:
        print(f"hub-admin: {exc}", file=sys.stderr)
        return 1
    print(f"created {associate.username} ({', '.join(associate.roles)}; queues {', '.join(associate.queues)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
