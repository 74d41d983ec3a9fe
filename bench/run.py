#!/usr/bin/env python3
"""`make bench`: the service against its anchors, in one run, on loopback.

Measures, on PostgreSQL and on SQLite, at 10,000 and 1,000,000 seeded
profiles, the scenarios of issue 10 with wrk, and in the same run the anchors
(pgbench -S -M prepared, a minimal actix-web handler, the one-query ceiling,
the argon2 ceiling, vipsthumbnail). Writes bench/results/latest.json and the
table between the markers in BENCHMARKS.md. Everything it starts (servers,
databases, files) is stopped and removed at the end.

Run by scripts/bench.sh after the release build; options: --quick (3 s
runs, 10,000 profiles only, no avatar bench) for a smoke test of the harness.
"""

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROFILED = ROOT / "target" / "release" / "profiled"
BENCH = ROOT / "target" / "release" / "profile-bench"
WRK_SCRIPT = ROOT / "bench" / "wrk" / "profiled.lua"
RESULTS = ROOT / "bench" / "results" / "latest.json"
BENCHMARKS = ROOT / "BENCHMARKS.md"
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
PG_SERVER = PG_ADMIN.rsplit("/", 1)[0]
PASSWORD = "violet tractor umbrella"
CLIENTS = 64
LOGIN_CLIENTS = 16
PORT = 18080
ANCHOR_PORT = 18090

started_processes = []
created_databases = []


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def psql(sql, database="postgres"):
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", f"{PG_SERVER}/{database}", "-c", sql],
        check=True, stdout=subprocess.DEVNULL,
    )


def create_pg_database(name):
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')
    created_databases.append(name)
    return f"{PG_SERVER}/{name}"


def drop_pg_database(name):
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if name in created_databases:
        created_databases.remove(name)


def service_env(database_url, workdir):
    env = dict(os.environ)
    env.update({
        "PROFILED_ENV": "production",
        "PROFILED_CONFIG_DIR": str(ROOT / "config"),
        "PROFILED__SERVER__HOST": "127.0.0.1",
        "PROFILED__SERVER__PORT": str(PORT),
        "PROFILED__MEDIA__DIR": str(Path(workdir) / "media"),
        "PROFILED__DATABASE__MIGRATE_ON_START": "true",
        # A free port for the operators' listener: nothing else may hold 9464 then.
        "PROFILED__METRICS__LISTEN": "127.0.0.1:0",
        "DATABASE_URL": database_url,
    })
    env.pop("RUST_LOG", None)
    return env


def wait_ready(port, timeout=30.0, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.002)
    raise RuntimeError(f"nothing ready on port {port}")


def start(command, env=None, log_file=None):
    out = open(log_file, "ab") if log_file else subprocess.DEVNULL
    process = subprocess.Popen(command, env=env, stdout=out, stderr=out, cwd=ROOT)
    started_processes.append(process)
    return process


def stop(process):
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process in started_processes:
        started_processes.remove(process)


def rss_mib(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class RssSampler:
    """Peak VmRSS of a process, sampled every 20 ms while running."""

    def __init__(self, pid):
        self.pid, self.peak, self.running = pid, 0.0, True
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while self.running:
            value = rss_mib(self.pid)
            if value is not None:
                self.peak = max(self.peak, value)
            time.sleep(0.02)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def wrk(port, scenario, seconds, clients, env, tokens, users):
    command = ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency", "-s", str(WRK_SCRIPT),
               f"http://127.0.0.1:{port}"]
    wrk_env = dict(os.environ)
    wrk_env.update(env)
    wrk_env.update({"BENCH_SCENARIO": scenario, "BENCH_TOKENS": str(tokens), "BENCH_USERS": str(users),
                    "BENCH_PASSWORD": PASSWORD})
    done = subprocess.run(command, env=wrk_env, capture_output=True, text=True, check=True)
    line = next((l for l in done.stdout.splitlines() if l.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line[len("WRK_JSON "):])
    seconds_run = raw["duration_us"] / 1e6
    return {
        "rps": round(raw["requests"] / seconds_run, 1),
        "requests": raw["requests"],
        "non_2xx": raw["status_errors"],
        "socket_errors": raw["socket_errors"],
        "timeouts": raw["timeouts"],
        "p50_ms": raw["p50_us"] / 1000, "p90_ms": raw["p90_us"] / 1000, "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "bytes_per_response": round(raw["bytes"] / max(raw["requests"], 1)),
        "clients": clients, "seconds": round(seconds_run, 2),
    }


def measure(port, scenario, args, tokens, users, clients=CLIENTS, env=None):
    env = env or {}
    wrk(port, scenario, args.warmup, clients, env, tokens, users)
    result = wrk(port, scenario, args.seconds, clients, env, tokens, users)
    log(f"  {scenario:<14} {result['rps']:>9.1f} req/s  p99 {result['p99_ms']:.2f} ms  non-2xx {result['non_2xx']}")
    return result


def http_json(method, url, body=None, token=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as answer:
        raw = answer.read()
        return answer.status, (json.loads(raw) if raw else None), raw


def admin_token(env):
    """Creates an administrator with the CLI and logs in: the directory needs `users.manage`."""
    subprocess.run([str(PROFILED), "admin", "create", "--username", "bench_admin", "--email",
                    "bench_admin@example.com"], env=env, input=PASSWORD + "\n", text=True, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    status, body, _ = http_json("POST", f"http://127.0.0.1:{PORT}/v1/sessions",
                                {"login": "bench_admin", "password": PASSWORD})
    assert status == 201, status
    return body["token"]


def read_tokens(tokens):
    rows = []
    for line in Path(tokens).read_text().splitlines():
        user_id, name, token = line.split(",")
        rows.append((int(user_id), name, token))
    return rows


def seed(database_url, users, sessions, tokens, env):
    subprocess.run([str(PROFILED), "migrate"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    began = time.monotonic()
    subprocess.run([str(BENCH), "seed", "--database", database_url, "--users", str(users),
                    "--sessions", str(sessions), "--tokens", str(tokens), "--password", PASSWORD],
                   check=True, cwd=ROOT)
    return round(time.monotonic() - began, 1)


def run_backend(backend, users, args, workdir, results):
    """Seeds `users` profiles on `backend`, starts the service and runs the scenarios."""
    label = f"{backend}_{users}"
    log(f"{label}: seeding")
    name = f"profiled_bench_{users}"
    if backend == "postgres":
        database_url = create_pg_database(name)
    else:
        database_url = f"sqlite://{workdir}/{name}.db?mode=rwc"
    tokens = Path(workdir) / f"{label}.tokens"
    env = service_env(database_url, workdir)
    seed_seconds = seed(database_url, users, args.sessions, tokens, env)
    entry = {"profiles": users, "seed_seconds": seed_seconds}
    if backend == "sqlite" and users == args.small:
        results["anchors"]["sqlite_writes"] = sqlite_writes(database_url)
    server = start([str(PROFILED), "serve"], env=env, log_file=Path(workdir) / f"{label}.log")
    try:
        wait_ready(PORT, process=server)
        scenarios = ["get_id", "get_username", "directory"]
        if users == args.small:
            scenarios += ["patch_many", "patch_one", "login", "mixed"]
        for scenario in scenarios:
            if scenario == "patch_one":
                rows = read_tokens(tokens)
                before = http_json("GET", f"http://127.0.0.1:{PORT}/v1/users/1", token=rows[0][2])[1]["version"]
                wrk(PORT, scenario, args.warmup, CLIENTS, {}, tokens, users)
                mid = http_json("GET", f"http://127.0.0.1:{PORT}/v1/users/1", token=rows[0][2])[1]["version"]
                result = wrk(PORT, scenario, args.seconds, CLIENTS, {}, tokens, users)
                after = http_json("GET", f"http://127.0.0.1:{PORT}/v1/users/1", token=rows[0][2])[1]["version"]
                result["version_before"], result["version_after"] = mid, after
                result["acknowledged"] = result["requests"] - result["non_2xx"]
                log(f"  {scenario:<14} {result['rps']:>9.1f} req/s  p99 {result['p99_ms']:.2f} ms  "
                    f"non-2xx {result['non_2xx']}  version {before}->{mid}->{after}")
            elif scenario == "login":
                wrk(PORT, scenario, args.warmup, LOGIN_CLIENTS, {}, tokens, users)
                with RssSampler(server.pid) as sampler:
                    result = wrk(PORT, scenario, args.seconds, LOGIN_CLIENTS, {}, tokens, users)
                result["peak_rss_mib"] = round(sampler.peak, 1)
                log(f"  {scenario:<14} {result['rps']:>9.1f} req/s  p99 {result['p99_ms']:.2f} ms  "
                    f"peak RSS {result['peak_rss_mib']} MiB")
            elif scenario == "directory":
                admin = {"BENCH_ADMIN_TOKEN": admin_token(env)}
                result = measure(PORT, scenario, args, tokens, users, env=admin)
            else:
                result = measure(PORT, scenario, args, tokens, users)
            entry[scenario] = result
        if users == args.small:
            entry["get_during_login"] = get_during_login(args, tokens, users)
        if backend == "postgres" and users == args.small:
            results["anchors"]["one_query_ceiling"] = ceiling(database_url, args, tokens, users)
            results["anchors"]["static_json"] = static_json(args, tokens, users, workdir)
    finally:
        stop(server)
    if backend == "sqlite" and users == args.small:
        results["startup"] = startup(env, workdir)
    if backend == "postgres":
        drop_pg_database(name)
    results["service"][label] = entry


def get_during_login(args, tokens, users):
    """GET at 64 clients while 16 clients log in; both run for the same time."""
    wrk(PORT, "get_id", args.warmup, CLIENTS, {}, tokens, users)
    outcome = {}

    def logins():
        outcome["login"] = wrk(PORT, "login", args.seconds + 1, LOGIN_CLIENTS, {}, tokens, users)

    thread = threading.Thread(target=logins)
    thread.start()
    time.sleep(0.5)
    outcome["get"] = wrk(PORT, "get_id", args.seconds, CLIENTS, {}, tokens, users)
    thread.join()
    log(f"  get_during_login GET {outcome['get']['rps']:.1f} req/s p99 {outcome['get']['p99_ms']:.2f} ms; "
        f"login {outcome['login']['rps']:.1f}/s")
    return outcome


def ceiling(database_url, args, tokens, users):
    process = start([str(BENCH), "ceiling", "--database", database_url, "--port", str(ANCHOR_PORT),
                     "--pool", str(args.pool)])
    try:
        wait_port(ANCHOR_PORT)
        result = measure(ANCHOR_PORT, "get_id", args, tokens, users)
    finally:
        stop(process)
    return result


def static_json(args, tokens, users, workdir):
    """The body our service answers for one profile, served from memory."""
    body_file = Path(workdir) / "profile.json"
    user_id, _, token = read_tokens(tokens)[0]
    # A profile seen by another user (no private fields), as the GET scenarios read them.
    _, _, raw = http_json("GET", f"http://127.0.0.1:{PORT}/v1/users/{user_id + 1}", token=token)
    body_file.write_bytes(raw)
    process = start([str(BENCH), "static", "--body", str(body_file), "--port", str(ANCHOR_PORT)])
    try:
        wait_port(ANCHOR_PORT)
        result = measure(ANCHOR_PORT, "get_id", args, tokens, users)
    finally:
        stop(process)
    return result


def wait_port(port, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"nothing listens on {port}")


def startup(env, workdir):
    """Exec to the first /readyz 200 on an already migrated SQLite database,
    and the idle RSS of a fresh instance after its first use."""
    times = []
    for _ in range(5):
        began = time.monotonic()
        process = start([str(PROFILED), "serve"], env=env)
        try:
            wait_ready(PORT, process=process)
            times.append((time.monotonic() - began) * 1000)
        finally:
            stop(process)
    process = start([str(PROFILED), "serve"], env=env)
    try:
        wait_ready(PORT, process=process)
        base = f"http://127.0.0.1:{PORT}"
        http_json("POST", f"{base}/v1/accounts",
                  {"username": "first_use", "email": "first_use@example.com", "password": PASSWORD})
        _, session, _ = http_json("POST", f"{base}/v1/sessions", {"login": "first_use", "password": PASSWORD})
        token = session["token"]
        for _ in range(50):
            http_json("GET", f"{base}/v1/users/me", token=token)
            http_json("PATCH", f"{base}/v1/users/me", {"location": "Somewhere"}, token=token)
        time.sleep(3)
        idle = rss_mib(process.pid)
    finally:
        stop(process)
    result = {"exec_to_ready_ms": round(statistics.median(times), 1), "exec_to_ready_all_ms": [round(t, 1) for t in times],
              "idle_rss_after_first_use_mib": round(idle, 1)}
    log(f"  startup {result['exec_to_ready_ms']} ms to ready, idle RSS {result['idle_rss_after_first_use_mib']} MiB")
    return result


def pgbench(args):
    name = "profiled_bench_pgbench"
    create_pg_database(name)
    try:
        subprocess.run(["pgbench", "-i", "-q", "-s", "10", f"{PG_SERVER}/{name}"], check=True,
                       capture_output=True)
        subprocess.run(["pgbench", "-S", "-M", "prepared", f"-c{CLIENTS}", "-j2", f"-T{args.warmup}",
                        f"{PG_SERVER}/{name}"], check=True, capture_output=True)
        done = subprocess.run(["pgbench", "-S", "-M", "prepared", f"-c{CLIENTS}", "-j2", f"-T{args.seconds}",
                               f"{PG_SERVER}/{name}"], check=True, capture_output=True, text=True)
    finally:
        drop_pg_database(name)
    tps = float(re.search(r"tps = ([0-9.]+)", done.stdout).group(1))
    latency = float(re.search(r"latency average = ([0-9.]+) ms", done.stdout).group(1))
    log(f"  pgbench -S -M prepared -c{CLIENTS}: {tps:.0f} tps")
    return {"tps": round(tps, 1), "latency_avg_ms": latency, "clients": CLIENTS, "scale": 10}


def sqlite_writes(database_url):
    """Durable one-row write transactions through sqlx, back to back."""
    done = subprocess.run([str(BENCH), "sqlite-writes", "--database", database_url, "--seconds", "5"],
                          check=True, capture_output=True, text=True)
    result = json.loads(done.stdout)
    log(f"  sqlite writes: {result['transactions_per_s']:.0f} transactions/s")
    return {"transactions_per_s": round(result["transactions_per_s"], 1)}


def argon2_ceiling():
    done = subprocess.run([str(BENCH), "argon2"], check=True, capture_output=True, text=True)
    result = json.loads(done.stdout)
    log(f"  argon2: {result['verify_ms']:.1f} ms per verify, ceiling {result['ceiling_per_s']:.1f}/s")
    return result


def avatar_pipeline():
    subprocess.run(["cargo", "bench", "-p", "profile-infrastructure", "--bench", "avatar_pipeline", "--",
                    "--noplot"], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    folder = ROOT / "target" / "criterion" / "avatar_pipeline"
    result = {}
    for name in ["ours_per_image", "vipsthumbnail_per_image_of_50", "ours_two_threads_per_image"]:
        estimates = folder / name / "new" / "estimates.json"
        if estimates.exists():
            result[f"{name}_ms"] = round(json.loads(estimates.read_text())["median"]["point_estimate"] / 1e6, 2)
    log(f"  avatar: {result}")
    return result


def ratio(a, b):
    return round(a / b, 3) if a is not None and b else None


def targets(results):
    """Every target of issue 10 with its measured ratio."""
    s, a = results["service"], results["anchors"]
    pg, lite = s.get(f"postgres_{SMALL}", {}), s.get(f"sqlite_{SMALL}", {})
    pg_big = s.get(f"postgres_{BIG}", {})
    lite_big = s.get(f"sqlite_{BIG}", {})
    ceiling_, pgb = a.get("one_query_ceiling", {}), a.get("pgbench", {})
    rows = []

    def row(name, value, goal, ok):
        rows.append({"target": name, "measured": value, "goal": goal, "met": bool(ok) if value is not None else None})

    get_pg = pg.get("get_id", {}).get("rps")
    r = ratio(get_pg, ceiling_.get("rps"))
    row("PG GET by id ÷ one-query ceiling", r, "≥ 0.80", r is not None and r >= 0.80)
    r = ratio(get_pg, pgb.get("tps"))
    row("PG GET by id ÷ pgbench -S", r, "≥ 0.25", r is not None and r >= 0.25)
    r = ratio(pg.get("get_id", {}).get("p99_ms"), ceiling_.get("p99_ms"))
    row("PG GET p99 ÷ ceiling p99", r, "≤ 1.5", r is not None and r <= 1.5)
    r = ratio(lite.get("get_id", {}).get("rps"), get_pg)
    row("SQLite GET ÷ PG GET", r, "≥ 1.0", r is not None and r >= 1.0)
    for label, data in (("PG", pg), ("SQLite", lite)):
        r = ratio(data.get("patch_many", {}).get("rps"), data.get("get_id", {}).get("rps"))
        row(f"{label} PATCH 64 users ÷ GET", r, "≥ 0.25", r is not None and r >= 0.25)
        one = data.get("patch_one", {})
        row(f"{label} PATCH one profile: non-2xx", one.get("non_2xx"), "0", one.get("non_2xx") == 0)
        r = ratio(one.get("rps"), data.get("patch_many", {}).get("rps"))
        row(f"{label} PATCH one profile ÷ PATCH 64 users", r, "≥ 0.25", r is not None and r >= 0.25)
        r = ratio(data.get("login", {}).get("rps"), a.get("argon2", {}).get("ceiling_per_s"))
        row(f"{label} login ÷ argon2 ceiling", r, "≥ 0.80", r is not None and r >= 0.80)
        peak = data.get("login", {}).get("peak_rss_mib")
        row(f"{label} peak RSS during login (MiB)", peak, "≤ 64", peak is not None and peak <= 64)
        during = data.get("get_during_login", {}).get("get", {}).get("p99_ms")
        r = ratio(during, data.get("get_id", {}).get("p99_ms"))
        row(f"{label} GET p99 during login ÷ without", r, "≤ 3", r is not None and r <= 3)
    for label, small, big in (("PG", pg, pg_big), ("SQLite", lite, lite_big)):
        r = ratio(big.get("get_id", {}).get("p99_ms"), small.get("get_id", {}).get("p99_ms"))
        row(f"{label} GET p99 at {BIG:,} ÷ at {SMALL:,}", r, "≤ 1.3", r is not None and r <= 1.3)
    seed_big = pg_big.get("seed_seconds")
    row(f"PG seeding {BIG:,} profiles (s)", seed_big, "< 120", seed_big is not None and seed_big < 120)
    av = a.get("avatar", {})
    r = ratio(av.get("ours_per_image_ms"), av.get("vipsthumbnail_per_image_of_50_ms"))
    row("avatar pipeline ÷ vipsthumbnail", r, "≤ 1.0", r is not None and r <= 1.0)
    st = results.get("startup", {})
    row("exec to ready, SQLite (ms)", st.get("exec_to_ready_ms"), "≤ 100",
        st.get("exec_to_ready_ms") is not None and st["exec_to_ready_ms"] <= 100)
    row("idle RSS after first use (MiB)", st.get("idle_rss_after_first_use_mib"), "≤ 20",
        st.get("idle_rss_after_first_use_mib") is not None and st["idle_rss_after_first_use_mib"] <= 20)
    return rows


def fmt(value):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def markdown(results):
    lines = [f"Run of {results['finished_at']} on {results['machine']}.", "",
             "| scenario | PostgreSQL req/s | p99 ms | SQLite req/s | p99 ms |", "|---|---|---|---|---|"]
    s = results["service"]
    for users in (SMALL, BIG):
        pg, lite = s.get(f"postgres_{users}", {}), s.get(f"sqlite_{users}", {})
        for scenario in ["get_id", "get_username", "directory", "patch_many", "patch_one", "login", "mixed"]:
            if scenario not in pg and scenario not in lite:
                continue
            p, q = pg.get(scenario, {}), lite.get(scenario, {})
            lines.append(f"| {scenario} at {users:,} | {fmt(p.get('rps'))} | {fmt(p.get('p99_ms'))} | "
                         f"{fmt(q.get('rps'))} | {fmt(q.get('p99_ms'))} |")
        if "get_during_login" in pg or "get_during_login" in lite:
            p = pg.get("get_during_login", {}).get("get", {})
            q = lite.get("get_during_login", {}).get("get", {})
            lines.append(f"| get_id during login at {users:,} | {fmt(p.get('rps'))} | {fmt(p.get('p99_ms'))} | "
                         f"{fmt(q.get('rps'))} | {fmt(q.get('p99_ms'))} |")
    a = results["anchors"]
    lines += ["", "| anchor | value |", "|---|---|"]
    if "pgbench" in a:
        lines.append(f"| pgbench -S -M prepared -c{CLIENTS} | {fmt(a['pgbench']['tps'])} tps |")
    for key, title in (("static_json", "minimal actix-web, JSON from memory"),
                       ("one_query_ceiling", "actix-web + sqlx, one prepared statement")):
        if key in a:
            lines.append(f"| {title} | {fmt(a[key]['rps'])} req/s, p99 {fmt(a[key]['p99_ms'])} ms |")
    if "sqlite_writes" in a:
        lines.append(f"| SQLite: one-row write transactions through sqlx, one after another | "
                     f"{fmt(a['sqlite_writes']['transactions_per_s'])} /s |")
    if "argon2" in a:
        lines.append(f"| argon2 ceiling ({a['argon2']['cores']} cores ÷ {a['argon2']['verify_ms']:.1f} ms) | "
                     f"{fmt(a['argon2']['ceiling_per_s'])} logins/s |")
    if "avatar" in a:
        av = a["avatar"]
        lines.append(f"| avatar pipeline: ours / vipsthumbnail per image | {fmt(av.get('ours_per_image_ms'))} ms / "
                     f"{fmt(av.get('vipsthumbnail_per_image_of_50_ms'))} ms |")
    lines += ["", "| target | measured | goal | met |", "|---|---|---|---|"]
    for t in results["targets"]:
        met = {True: "yes", False: "**no**", None: "–"}[t["met"]]
        lines.append(f"| {t['target']} | {fmt(t['measured'])} | {t['goal']} | {met} |")
    return "\n".join(lines)


def write_benchmarks(results):
    begin, end = "<!-- bench:begin -->", "<!-- bench:end -->"
    text = BENCHMARKS.read_text() if BENCHMARKS.exists() else "# Benchmarks\n"
    table = f"{begin}\n{markdown(results)}\n{end}"
    if begin in text and end in text:
        text = text[:text.index(begin)] + table + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n## Latest `make bench`\n\n" + table + "\n"
    BENCHMARKS.write_text(text)


def main():
    global SMALL, BIG
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="3 s runs, 10,000 profiles only, no avatar bench")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--pool", type=int, default=16, help="pool size of the one-query ceiling")
    parser.add_argument("--only", choices=["postgres", "sqlite"], help="one backend only")
    args = parser.parse_args()
    SMALL, BIG = 10_000, 1_000_000
    args.small = SMALL
    if args.quick:
        args.seconds, args.warmup = 3, 1
    for binary in (PROFILED, BENCH):
        if not binary.exists():
            sys.exit(f"{binary} is missing: build it with cargo build --release (scripts/bench.sh does)")
    results = {"started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "machine": f"{platform.node()}, {os.cpu_count()} cores, {platform.release()}",
               "settings": {"seconds": args.seconds, "warmup": args.warmup, "clients": CLIENTS,
                            "login_clients": LOGIN_CLIENTS, "sessions": args.sessions},
               "anchors": {}, "service": {}}
    workdir = tempfile.mkdtemp(prefix="profiled-bench-")
    try:
        log("anchors")
        results["anchors"]["argon2"] = argon2_ceiling()
        if args.only != "sqlite":
            results["anchors"]["pgbench"] = pgbench(args)
        sizes = [SMALL] if args.quick else [SMALL, BIG]
        for users in sizes:
            for backend in ("postgres", "sqlite"):
                if args.only and backend != args.only:
                    continue
                run_backend(backend, users, args, workdir, results)
        if not args.quick:
            results["anchors"]["avatar"] = avatar_pipeline()
    finally:
        for process in list(started_processes):
            stop(process)
        for name in list(created_databases):
            drop_pg_database(name)
        shutil.rmtree(workdir, ignore_errors=True)
    results["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    results["targets"] = targets(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    write_benchmarks(results)
    print(markdown(results))


if __name__ == "__main__":
    main()
