"""A stand-in for a Mediaops process in the devstack tests (run as a script).

`standin.py PORT [--exit-code N] [--die-after S] [--grandchild] [--ignore-term]`:
answers `GET /health` with 200 on PORT; `--exit-code` fails at once; `--die-after` exits
with code 3 after S seconds; `--grandchild` spawns a sleeping child and prints its pid;
`--ignore-term` ignores SIGTERM.
"""

from __future__ import annotations

import argparse
import http.server
import os
import signal
import subprocess
import sys
import threading


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/health" else 404
        body = b'{"status":"ok"}' if status == 200 else b"{}"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--exit-code", type=int)
    parser.add_argument("--die-after", type=float)
    parser.add_argument("--grandchild", action="store_true")
    parser.add_argument("--ignore-term", action="store_true")
    args = parser.parse_args()
    if args.exit_code is not None:
        sys.stderr.write(f"standin: configuration is broken, exiting with {args.exit_code}\n")
        return int(args.exit_code)
    if args.ignore_term:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    if args.grandchild:
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
        sys.stdout.write(f"grandchild pid {child.pid}\n")
    sys.stdout.write(
        f"standin up on port {args.port} pid {os.getpid()} "
        f"bootstrap={os.environ.get('MEDIAOPS_KAFKA_BOOTSTRAP')} "
        f"data={os.environ.get('MEDIAOPS_DATA_DIR')} "
        f"private={os.environ.get('MEDIAOPS_ALLOW_PRIVATE_URLS')} "
        f"content_url={os.environ.get('GATEWAY_CONTENT_URL')}\n"
    )
    sys.stderr.write("standin: a line on stderr\n")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Health)
    if args.die_after is not None:
        timer = threading.Timer(args.die_after, lambda: os._exit(3))
        timer.daemon = True
        timer.start()
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
