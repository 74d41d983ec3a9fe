#!/usr/bin/env python3
"""`make symbol-order`: lists the functions a running `profiled` executes, in
`crates/server/symbol-order.txt`, the order the release build links them in
(see `crates/server/build.rs`).

Runs the release binary under callgrind (valgrind) against a fresh SQLite
file through what an instance does in its first minute: start-up and
migrations, sign-up, login, reads by id, by `@username` and of `me`,
PATCHes, conditional GETs, an error, the probes and metrics, and the
background rounds. Every function of the binary that ran is listed, by its
linker name. Regenerate it after large changes; a stale list is only less
effective (names the build lacks are skipped).
"""
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402

OUTPUT = run.ROOT / "crates" / "server" / "symbol-order.txt"


def get(url, token=None, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


def workload(base, operations):
    for i in range(2):
        name = f"order_{i}"
        run.http_json("POST", f"{base}/v1/accounts",
                      {"username": name, "email": f"{name}@example.com", "password": run.PASSWORD})
        _, session, _ = run.http_json("POST", f"{base}/v1/sessions", {"login": name, "password": run.PASSWORD})
        token = session["token"]
        for _ in range(5):
            _, me, _ = run.http_json("GET", f"{base}/v1/users/me", token=token)
            run.http_json("PATCH", f"{base}/v1/users/me", {"location": "Somewhere"}, token=token)
            get(f"{base}/v1/users/{me['id']}", token)
            _, headers = get(f"{base}/v1/users/@{name}", token)
            get(f"{base}/v1/users/@{name}", token, {"If-None-Match": headers.get("ETag", "")})
            get(f"{base}/v1/users/@nobody_here", token)
    for path in ("/healthz", "/readyz", "/metrics"):
        get(f"{operations}{path}")
    time.sleep(3)


def main():
    work = tempfile.mkdtemp(prefix="profiled-order-")
    env = run.service_env(f"sqlite://{work}/order.db?mode=rwc", work)
    env["PROFILED__METRICS__LISTEN"] = f"127.0.0.1:{run.PORT + 1}"
    output = Path(work) / "callgrind.out"
    server = run.start(["valgrind", "--tool=callgrind", "--dump-instr=no", "--demangle=no", "--compress-strings=no",
                        f"--callgrind-out-file={output}", str(run.PROFILED), "serve"], env=env,
                       log_file=Path(work) / "server.log")
    try:
        run.wait_ready(run.PORT, timeout=600, process=server)
        workload(f"http://127.0.0.1:{run.PORT}", f"http://127.0.0.1:{run.PORT + 1}")
    finally:
        run.stop(server)
    binary = str(run.PROFILED.resolve())
    names, in_binary = set(), False
    with open(output, errors="replace") as profile:
        for line in profile:
            if line.startswith("ob="):
                in_binary = line[3:].strip() == binary
            elif line.startswith("fn=") and in_binary:
                name = line[3:].strip()
                # Code without a symbol shows as its address, and callgrind's own entries in parentheses.
                if not name.startswith(("0x", "(")):
                    names.add(name)
    if len(names) < 1000:
        sys.exit(f"only {len(names)} functions found: is {binary} the release build?")
    OUTPUT.write_text("".join(f"{name}\n" for name in sorted(names)))
    print(f"{len(names)} functions in {OUTPUT}")


if __name__ == "__main__":
    main()
