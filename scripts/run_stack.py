"""Run the whole stack locally (`make run`): the broker, the four services and the gateway.

Data lives in `.data/` and survives restarts (the broker's topics do not: it keeps them in
memory and they are created again at each start). Ctrl-C stops everything.
"""

from __future__ import annotations

import sys
from pathlib import Path

from devstack import Stack, StackError

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    stack = Stack(
        root=ROOT,
        data_dir=ROOT / ".data",
        extra_env={"MEDIAOPS_ALLOW_PRIVATE_URLS": "true"},
    )
    gateway = stack.url("gateway")
    sys.stdout.write(
        f"Mediaops: gateway {gateway}  API docs {gateway}/docs  data {stack.data_dir}\n"
        f"Mail (sign-up confirmations): .eml files in {stack.mail_dir}"
        " (unless GATEWAY_MAIL_URL is set)\n"
        "Press Ctrl-C to stop.\n"
    )
    sys.stdout.flush()
    try:
        return stack.run_forever()
    except StackError as exc:
        # One line: the children's output has already been streamed above.
        sys.stderr.write(f"run_stack: {(str(exc).splitlines() or ['failed'])[0]}\n")
        return 1
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
