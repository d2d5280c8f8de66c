"""``python -m learn <model> <action>``: one sub-command per model, each in its own module.

    python -m learn doctype train --family dev=../shared/corpus/dev --family dev-b=../shared/corpus/dev-b
    python -m learn doctype lofo --family dev=../shared/corpus/dev --family dev-b=../shared/corpus/dev-b
    python -m learn fields lofo --family dev=../shared/corpus/dev --family dev-b=../shared/corpus/dev-b
    python -m learn.lofo --family …     # both models retrained without each family, the whole pipeline scored
"""

from __future__ import annotations

import argparse
import sys

from learn import doctype, fields

# Each module registers its sub-command (``add_parser``) and the function that runs it (``run``).
COMMANDS = (doctype, fields)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m learn", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(commands)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
