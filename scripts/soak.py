#!/usr/bin/env python3
"""Soak driver for `make soak` (scripts/soak.sh starts the instances).

Python 3.11, standard library only. Against two running instances that share
one PostgreSQL database and one media folder, for a bounded time, N client
threads send a mix of

    GET    /v1/users/{id}          (mostly; any soak profile, either instance;
                                    a third of them also fetch the avatar file)
    PATCH  /v1/users/{id}          (`location` set to a value unique to the request)
    POST   /v1/users/{id}/avatar   (a small PNG made here; often the same picture
                                    as another client of the same profile)
    POST   /v1/sessions + GET /v1/users/me + DELETE /v1/sessions/current
                                   (extra sessions, so revoked tokens exist)

Several clients share each profile, so writes to one profile contend. Every
acknowledged write's response is kept. After the load stops, the audit checks:

  * versions: each profile's stored `version` is 1 + its acknowledged
    version-changing writes (a PATCH that changes a value, an avatar upload),
    and the acknowledged responses carry exactly the versions 2..N+1, once each
    (two acknowledgements of one version would be a lost update);
  * last value: the stored `location` and avatar are those of the acknowledged
    response with the highest version;
  * media: every file under the media folder is referenced by a stored image
    (no orphans, no leftover temporary files) and every referenced key has its
    file (nothing missing);
  * media during the load: the avatar file a profile read names exists,
    unless the profile changed meanwhile;
  * sessions: no session row is left for a logged-out token, and every
    logged-out token is refused (401) by both instances.

Exit status: 0 when nothing failed; 1 on any 5xx, transport error, unexpected
status or audit failure.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import http.client
import json
import os
import random
import re
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import typing
import zlib

PASSWORD_BASE = "violet tractor umbrella"
REQUEST_TIMEOUT = 30.0  # seconds; a slower answer is a transport error
IDLE_RECONNECT = 2.0  # reopen a keep-alive connection idle this long (the server may close it)
LOGIN_INTERVAL = 1.5  # at most one extra session per client this often (argon2 is costly)
MAX_SAMPLES = 20  # failing requests shown in the summary

# Expected status per kind of request.
EXPECTED = {
    "signup": {201},
    "login": {201},
    "get": {200},
    "patch": {200},
    "avatar": {200},
    # The avatar file a profile read pointed at; a 404 is fine only when the
    # profile changed meanwhile (a newer upload deleted the file).
    "media": {200, "404, replaced meanwhile"},
    "me": {200},
    "logout": {204},
    "revoked-get": {401},  # the revoking instance refuses the token at once
    "audit-revoked": {401},  # after the load: both instances refuse every logged-out token
}


# --------------------------------------------------------------------- PNG


def png(width: int, height: int, seed: int) -> bytes:
    """An opaque RGB PNG with a pattern that depends on `seed`."""
    rng = random.Random(seed)
    base = [rng.randrange(256) for _ in range(3)]
    step = [rng.randrange(1, 32) for _ in range(3)]
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            for c in range(3):
                rows.append((base[c] + step[c] * (x + 2 * y)) & 0xFF)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 6))
        + chunk(b"IEND", b"")
    )


def multipart(field: str, filename: str, content: bytes, content_type: str) -> tuple[bytes, str]:
    boundary = "soak" + os.urandom(12).hex()
    body = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


# ----------------------------------------------------------------- HTTP


class Transport(Exception):
    """No HTTP answer (connection refused or reset, timeout, bad response)."""


class Client:
    """Keep-alive connections to each instance, reopened when idle or broken."""

    def __init__(self, bases: list[str]):
        self.hosts = [urllib.parse.urlsplit(b) for b in bases]
        self.conns: list[http.client.HTTPConnection | None] = [None] * len(bases)
        self.last_used = [0.0] * len(bases)

    def _conn(self, i: int) -> http.client.HTTPConnection:
        conn = self.conns[i]
        if conn is not None and time.monotonic() - self.last_used[i] > IDLE_RECONNECT:
            conn.close()
            conn = None
        if conn is None:
            u = self.hosts[i]
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=REQUEST_TIMEOUT)
            self.conns[i] = conn
        return conn

    def request(self, i: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(status, headers, body bytes, seconds); raises Transport."""
        conn = self._conn(i)
        start = time.monotonic()
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            conn.close()
            self.conns[i] = None
            raise Transport(f"{type(error).__name__}: {error}") from error
        finally:
            self.last_used[i] = time.monotonic()
        if response.will_close:
            conn.close()
            self.conns[i] = None
        return response.status, response.headers, data, time.monotonic() - start

    def close(self):
        for conn in self.conns:
            if conn is not None:
                conn.close()


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def media_key(url: str | None) -> str | None:
    """The stored key of an image URL (`…/media/<key>`); None for the defaults."""
    if not url:
        return None
    path = urllib.parse.urlsplit(url).path
    if "/media/default/" in path:
        return None
    return path.rsplit("/", 1)[-1]


# ----------------------------------------------------------------- state


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.status: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.latency: dict[str, list[float]] = collections.defaultdict(list)
        self.samples: list[str] = []
        self.failures = 0  # 5xx, transport errors, unexpected statuses

    def record(self, kind: str, status, seconds: float, detail: str = ""):
        with self.lock:
            self.status[kind][status] += 1
            if isinstance(status, int):
                self.latency[kind].append(seconds)
            if status not in EXPECTED.get(kind, ()):
                self.failures += 1
                if len(self.samples) < MAX_SAMPLES:
                    self.samples.append(f"{kind} -> {status}: {detail}"[:600])


class Ack(typing.NamedTuple):
    """An acknowledged (2xx) version-changing write, as its response told."""

    version: int
    kind: str  # "patch" or "avatar"
    location: str | None  # in the response
    key: str | None  # the avatar's primary key in the response (None: default)
    client: int
    seq: int
    instance: str
    request_id: str | None
    started: float  # wall clock
    finished: float
    picture: str = ""  # avatar uploads: "shared-N" (the profile's pictures) or "own"


class Profile:
    def __init__(self, user_id: int, username: str, password: str):
        self.id = user_id
        self.username = username
        self.password = password
        self.lock = threading.Lock()
        # Every acknowledged version-changing write: (version, kind, location, avatar key, client, seq).
        self.acks: list[Ack] = []
        self.unknown_writes = 0  # writes without an answer: their outcome is unknown
        self.pictures = [png(16, 16, user_id * 1000 + k) for k in range(3)]


class Run:
    def __init__(self, args, profiles: list[Profile]):
        self.args = args
        self.profiles = profiles
        self.stats = Stats()
        self.revoked: list[str] = []  # logged-out tokens (answered 204)
        self.revoked_lock = threading.Lock()
        self.missing_seen: list[tuple[Profile, str, int]] = []  # (profile, key, version) confirmed missing
        self.stop_at = 0.0


# ----------------------------------------------------------------- load


def client_loop(run: Run, number: int, token: str, profile: Profile, seed: int):
    rng = random.Random(seed)
    args, stats = run.args, run.stats
    instances = len(args.base)
    http_client = Client(args.base)
    seq = 0
    last_login = 0.0
    try:
        while time.monotonic() < run.stop_at:
            seq += 1
            i = rng.randrange(instances)
            roll = rng.random()
            try:
                if roll < 0.70:
                    target = rng.choice(run.profiles)
                    path = f"/v1/users/{target.id}"
                    status, headers, body, seconds = http_client.request(i, "GET", path, headers=bearer(token))
                    detail = f"GET {path} on {args.base[i]} id={headers.get('X-Request-Id')} {body[:200]!r}"
                    stats.record("get", status, seconds, detail)
                    if status == 200 and rng.random() < 0.3:
                        check_avatar_file(run, http_client, i, token, path, json.loads(body), target)
                elif roll < 0.90:
                    value = f"c{number}-{seq}"
                    path = f"/v1/users/{profile.id}"
                    payload = json.dumps({"location": value}).encode()
                    hdrs = bearer(token) | {"Content-Type": "application/merge-patch+json"}
                    started = time.time()
                    try:
                        status, headers, body, seconds = http_client.request(i, "PATCH", path, payload, hdrs)
                    except Transport:
                        with profile.lock:
                            profile.unknown_writes += 1
                        raise
                    detail = f"PATCH {path} {payload!r} on {args.base[i]} id={headers.get('X-Request-Id')} {body[:300]!r}"
                    stats.record("patch", status, seconds, detail)
                    if 200 <= status < 300:
                        view = json.loads(body)
                        if view.get("location") != value:
                            stats.record("patch-echo", "wrong value echoed", 0.0, detail)
                        with profile.lock:
                            profile.acks.append(Ack(
                                view["version"], "patch", view.get("location"), media_key(view["avatar_image"]["url"]),
                                number, seq, args.base[i], headers.get("X-Request-Id"), started, time.time()))
                elif roll < 0.96:
                    # Half the time one of the profile's three pictures (shared with its
                    # other clients: same content, same keys), else a picture of its own.
                    if rng.random() < 0.5:
                        label = rng.randrange(len(profile.pictures))
                        picture, label = profile.pictures[label], f"shared-{label}"
                    else:
                        picture, label = png(rng.choice((8, 16, 24)), 16, seed * 100000 + seq), "own"
                    path = f"/v1/users/{profile.id}/avatar"
                    body_bytes, content_type = multipart("avatar", "soak.png", picture, "image/png")
                    hdrs = bearer(token) | {"Content-Type": content_type}
                    started = time.time()
                    try:
                        status, headers, body, seconds = http_client.request(i, "POST", path, body_bytes, hdrs)
                    except Transport:
                        with profile.lock:
                            profile.unknown_writes += 1
                        raise
                    detail = f"POST {path} on {args.base[i]} id={headers.get('X-Request-Id')} {body[:300]!r}"
                    stats.record("avatar", status, seconds, detail)
                    if 200 <= status < 300:
                        view = json.loads(body)
                        with profile.lock:
                            profile.acks.append(Ack(
                                view["version"], "avatar", view.get("location"), media_key(view["avatar_image"]["url"]),
                                number, seq, args.base[i], headers.get("X-Request-Id"), started, time.time(), label))
                elif time.monotonic() - last_login >= LOGIN_INTERVAL:
                    last_login = time.monotonic()
                    session_cycle(run, http_client, rng, profile)
                else:
                    status, headers, body, seconds = http_client.request(i, "GET", "/v1/users/me", headers=bearer(token))
                    stats.record("me", status, seconds, f"GET /v1/users/me on {args.base[i]} {body[:200]!r}")
            except Transport as error:
                stats.record("transport", "error", 0.0, f"on {args.base[i]}: {error}")
            except (ValueError, KeyError, TypeError) as error:  # an answer not shaped as documented
                stats.record("bad-answer", type(error).__name__, 0.0, f"on {args.base[i]}: {error}")
    finally:
        http_client.close()


def check_avatar_file(run: Run, http_client: Client, i: int, token: str, path: str, view: dict, target):
    """Fetches the avatar file a profile read names. On a 404, reads the
    profile again: if its version has not moved, the stored image's file is
    missing while the database refers to it (a lost file, not a race)."""
    key = media_key(view["avatar_image"]["url"])
    if key is None:
        return
    base = run.args.base[i]
    status, headers, _, seconds = http_client.request(i, "GET", f"/media/{key}")
    if status != 404:
        run.stats.record("media", status, seconds, f"GET /media/{key} on {base}")
        return
    again, _, body, _ = http_client.request(i, "GET", path, headers=bearer(token))
    later = json.loads(body) if again == 200 else {}
    if later.get("version") == view["version"]:
        with run.revoked_lock:
            run.missing_seen.append((target, key, view["version"]))
        run.stats.record("media", "404, profile unchanged", seconds,
                         f"GET /media/{key} on {base} -> 404 while {path} stays at version {view['version']} "
                         f"with that avatar (X-Request-Id {headers.get('X-Request-Id')})")
    else:
        run.stats.record("media", "404, replaced meanwhile", seconds, "")


def session_cycle(run: Run, http_client: Client, rng: random.Random, profile: Profile):
    """Log in (one instance), use the token (the other), log out (either),
    and check the revoking instance refuses it at once."""
    stats, base = run.stats, run.args.base
    n = len(base)
    a = rng.randrange(n)
    payload = json.dumps({"login": profile.username, "password": profile.password}).encode()
    status, headers, body, seconds = http_client.request(
        a, "POST", "/v1/sessions", payload, {"Content-Type": "application/json"})
    stats.record("login", status, seconds, f"POST /v1/sessions on {base[a]} {body[:200]!r}")
    if status != 201:
        return
    token = json.loads(body)["token"]
    b = (a + 1) % n
    status, headers, body, seconds = http_client.request(b, "GET", "/v1/users/me", headers=bearer(token))
    stats.record("me", status, seconds, f"GET /v1/users/me (new session) on {base[b]} {body[:200]!r}")
    c = rng.randrange(n)
    status, headers, body, seconds = http_client.request(c, "DELETE", "/v1/sessions/current", headers=bearer(token))
    stats.record("logout", status, seconds, f"DELETE /v1/sessions/current on {base[c]} {body[:200]!r}")
    if status == 204:
        with run.revoked_lock:
            run.revoked.append(token)
        status, headers, body, seconds = http_client.request(c, "GET", "/v1/users/me", headers=bearer(token))
        stats.record("revoked-get", status, seconds, f"GET /v1/users/me, revoked token, on {base[c]} {body[:200]!r}")


# ----------------------------------------------------------------- setup


def setup(args, run_id: str) -> tuple[list[Profile], list[str]]:
    """Signs up the profiles and logs every client in (its own session)."""
    http_client = Client(args.base)
    profiles = []
    count = max(1, min(args.profiles, args.clients))
    for k in range(count):
        username = f"sk{run_id}_{k}"
        password = f"{PASSWORD_BASE} {run_id}"
        payload = json.dumps({"username": username, "email": f"{username}@example.com",
                              "password": password}).encode()
        status, _, body, _ = http_client.request(k % len(args.base), "POST", "/v1/accounts", payload,
                                                 {"Content-Type": "application/json"})
        if status != 201:
            raise SystemExit(f"soak: sign-up of {username} answered {status}: {body[:300]!r}")
        profiles.append(Profile(json.loads(body)["user"]["id"], username, password))
    tokens = []
    for number in range(args.clients):
        profile = profiles[number % count]
        payload = json.dumps({"login": profile.username, "password": profile.password}).encode()
        status, _, body, _ = http_client.request(number % len(args.base), "POST", "/v1/sessions", payload,
                                                 {"Content-Type": "application/json"})
        if status != 201:
            raise SystemExit(f"soak: login for client {number} answered {status}: {body[:300]!r}")
        tokens.append(json.loads(body)["token"])
    http_client.close()
    return profiles, tokens


# ----------------------------------------------------------------- audit


def psql(database_url: str, sql: str) -> list[list[str]]:
    out = subprocess.run(
        ["psql", "-X", "-q", "-A", "-t", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", "-d", database_url, "-c", sql],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout
    return [line.split("\x1f") for line in out.splitlines() if line]


def audit(run: Run) -> tuple[list[str], list[str]]:
    """(lines to print, failures)."""
    args = run.args
    lines: list[str] = []
    failures: list[str] = []

    # Profiles: version, last acknowledged value, avatar.
    rows = psql(args.database_url, "SELECT id, version, coalesce(location, ''), coalesce(avatar_image, ''), "
                                   "coalesce(cover_image, '') FROM users ORDER BY id")
    stored = {int(r[0]): r for r in rows}
    acked_total = version_bad = value_bad = avatar_bad = dup_bad = unknown = 0
    for p in run.profiles:
        row = stored.get(p.id)
        if row is None:
            failures.append(f"profile {p.id}: no row")
            continue
        version, location = int(row[1]), row[2] or None
        avatar = json.loads(row[3])[0]["key"] if row[3] else None
        acks = sorted(p.acks, key=lambda a: a.version)
        acked_total += len(acks)
        unknown += p.unknown_writes
        expected = 1 + len(acks)
        if p.unknown_writes:
            lines.append(f"  profile {p.id}: {p.unknown_writes} write(s) got no answer; "
                         f"its version may be up to {expected + p.unknown_writes}")
        if version != expected and not (p.unknown_writes and expected <= version <= expected + p.unknown_writes):
            version_bad += 1
            failures.append(f"profile {p.id}: stored version {version}, expected 1 + {len(acks)} "
                            f"acknowledged writes = {expected}")
        versions = [a.version for a in acks]
        duplicated = sorted(v for v, c in collections.Counter(versions).items() if c > 1)
        if duplicated or (not p.unknown_writes and versions != list(range(2, expected + 1))):
            dup_bad += 1
            failures.append(f"profile {p.id}: acknowledged versions are not 2..{expected} once each "
                            f"(duplicated: {duplicated[:10]}, first: {versions[:5]}, last: {versions[-5:]})")
        if acks:
            last = acks[-1]
            if location != last.location:
                value_bad += 1
                failures.append(f"profile {p.id}: stored location {location!r}, the acknowledged response "
                                f"with the highest version ({last.version}, {last.kind} by client {last.client}) "
                                f"has {last.location!r}")
            if avatar != last.key:
                avatar_bad += 1
                failures.append(f"profile {p.id}: stored avatar {avatar!r}, the acknowledged response with "
                                f"the highest version ({last.version}) has {last.key!r}")
    lines.append(f"  profiles: {len(run.profiles)}, acknowledged version-changing writes: {acked_total}, "
                 f"writes without an answer: {unknown}")
    lines.append(f"  version = 1 + acknowledged writes: {len(run.profiles) - version_bad}/{len(run.profiles)} ok; "
                 f"acknowledged versions unique and gapless: {len(run.profiles) - dup_bad}/{len(run.profiles)} ok")
    lines.append(f"  last acknowledged location stored: {len(run.profiles) - value_bad}/{len(run.profiles)} ok; "
                 f"last acknowledged avatar stored: {len(run.profiles) - avatar_bad}/{len(run.profiles)} ok")

    # Media: files on disk against keys in the database.
    referenced: set[str] = set()
    for r in rows:
        for column in (r[3], r[4]):
            if column:
                referenced.update(v["key"] for v in json.loads(column))
    files: set[str] = set()
    temporaries: list[str] = []
    for folder, _, names in os.walk(args.media_dir):
        for name in names:
            if name.endswith(".tmp"):
                temporaries.append(name)
            else:
                files.add(name)
    orphans = sorted(files - referenced)
    missing = sorted(referenced - files)
    lines.append(f"  media: {len(files)} files, {len(referenced)} keys referenced; orphans: {len(orphans)}, "
                 f"missing files: {len(missing)}, leftover temporary files: {len(temporaries)}")
    if orphans:
        failures.append(f"{len(orphans)} orphan media file(s), e.g. {orphans[:3]}")
    if missing:
        owners = [str(r[0]) for r in rows for col in (r[3], r[4]) if col
                  and any(v["key"] in missing for v in json.loads(col))]
        failures.append(f"{len(missing)} referenced media file(s) missing (profiles {', '.join(owners[:10])}), "
                        f"e.g. {missing[:3]}")
        for p in run.profiles:
            row = stored.get(p.id)
            if row and row[3] and json.loads(row[3])[0]["key"] in missing:
                lines.append(f"  profile {p.id}: the stored avatar's files are missing at the end; "
                             f"its last avatar uploads:")
                lines.extend(explain(p, json.loads(row[3])[0]["key"], int(row[1])))
    if run.missing_seen:
        failures.append(f"{len(run.missing_seen)} time(s) during the load a profile's avatar file was missing "
                        f"while the profile referred to it (two reads of the same version around a 404)")
        seen = set()
        for p, key, version in run.missing_seen:
            if (p.id, key) in seen or len(seen) >= 3:
                continue
            seen.add((p.id, key))
            lines.append(f"  profile {p.id}: at version {version} its avatar {key} had no file; "
                         f"the avatar uploads that led there:")
            lines.extend(explain(p, key, version))
    if temporaries:
        failures.append(f"{len(temporaries)} leftover temporary media file(s), e.g. {temporaries[:3]}")

    # Sessions: logged-out tokens have no row, and are refused everywhere.
    digests = {hashlib.sha256(t.encode()).hexdigest() for t in run.revoked}
    session_rows = psql(args.database_url, "SELECT token_hash, revoked_at IS NOT NULL FROM sessions")
    left = [r for r in session_rows if r[0] in digests]
    marked = sum(1 for r in left if r[1] == "t")
    lines.append(f"  sessions: {len(session_rows)} rows; logged-out tokens: {len(digests)}; rows left for them: "
                 f"{len(left)} ({marked} with revoked_at set, {len(left) - marked} without)")
    if left:
        failures.append(f"{len(left)} session row(s) remain for logged-out tokens ({marked} marked revoked_at, "
                        f"{len(left) - marked} not): revocation should delete the row")
    check = run.revoked if len(run.revoked) <= args.revoked_checks else random.sample(run.revoked, args.revoked_checks)
    http_client = Client(args.base)
    refused = 0
    for token in check:
        for i in range(len(args.base)):
            try:
                status, headers, body, seconds = http_client.request(i, "GET", "/v1/users/me", headers=bearer(token))
            except Transport as error:
                run.stats.record("transport", "error", 0.0, f"audit on {args.base[i]}: {error}")
                continue
            run.stats.record("audit-revoked", status, seconds,
                             f"GET /v1/users/me with a logged-out token on {args.base[i]} {body[:200]!r}")
            refused += status == 401
    http_client.close()
    lines.append(f"  logged-out tokens refused: {refused}/{len(check) * len(args.base)} checks "
                 f"({len(check)} tokens × {len(args.base)} instances)")
    if refused != len(check) * len(args.base):
        failures.append(f"{len(check) * len(args.base) - refused} check(s) of a logged-out token were not 401")
    return lines, failures


def explain(p: Profile, key: str, version: int, count: int = 6) -> list[str]:
    """The acknowledged avatar uploads of `p` up to `version`, the last
    `count` of them, with their times, so an interleaving can be read."""
    uploads = [a for a in sorted(p.acks, key=lambda a: a.version) if a.kind == "avatar" and a.version <= version]
    out = []
    for a in uploads[-count:]:
        mark = "  <- sets the missing key" if a.key == key else ""
        out.append(f"    v{a.version} {a.picture:<8} key {a.key[:16]}… client {a.client} on {a.instance} "
                   f"request {a.request_id} {time.strftime('%H:%M:%S', time.gmtime(a.started))}"
                   f".{int(a.started * 1000) % 1000:03d}–+{(a.finished - a.started) * 1000:.0f} ms{mark}")
    return out


def server_log_lines(paths: list[str]) -> tuple[collections.Counter, list[str]]:
    """WARN/ERROR lines of the instances' JSON logs."""
    levels: collections.Counter = collections.Counter()
    shown: list[str] = []
    for path in paths:
        try:
            with open(path, encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    match = re.search(r'"level":"(WARN|ERROR)"', line)
                    if match:
                        levels[match.group(1)] += 1
                        if len(shown) < MAX_SAMPLES:
                            shown.append(f"{os.path.basename(path)}: {line.strip()[:500]}")
        except OSError:
            pass
    return levels, shown


# ----------------------------------------------------------------- main


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", action="append", required=True, help="an instance's base URL (repeat)")
    parser.add_argument("--database-url", required=True, help="the database both instances use (for the audit)")
    parser.add_argument("--media-dir", required=True, help="the media folder both instances use")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--profiles", type=int, default=0, help="default: one per 4 clients")
    parser.add_argument("--revoked-checks", type=int, default=200, help="logged-out tokens re-checked after the load")
    parser.add_argument("--log", action="append", default=[], help="an instance's log file (WARN/ERROR lines shown)")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    if args.profiles <= 0:
        args.profiles = max(1, args.clients // 4)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    run_id = os.urandom(3).hex()

    print(f"soak: {args.clients} clients, {args.profiles} profiles, {args.seconds:g} s, "
          f"instances {' '.join(args.base)}, seed {seed}", flush=True)
    profiles, tokens = setup(args, run_id)
    run = Run(args, profiles)
    run.stop_at = time.monotonic() + args.seconds
    started = time.monotonic()
    threads = [
        threading.Thread(target=client_loop, name=f"client-{n}", daemon=True,
                         args=(run, n, tokens[n], profiles[n % len(profiles)], seed + n))
        for n in range(args.clients)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, run.stop_at - time.monotonic()) + REQUEST_TIMEOUT * 4 + 10)
    elapsed = time.monotonic() - started
    stuck = [t.name for t in threads if t.is_alive()]

    print(f"\nload: {elapsed:.1f} s", flush=True)
    stats = run.stats
    total = 0
    print(f"  {'kind':<14} {'count':>8} {'per s':>8} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for kind in sorted(stats.status):
        counts = stats.status[kind]
        n = sum(counts.values())
        total += n if kind not in ("audit-revoked",) else 0
        lat = stats.latency.get(kind, [])
        statuses = ", ".join(f"{s}: {c}" for s, c in sorted(counts.items(), key=lambda x: str(x[0])))
        print(f"  {kind:<14} {n:>8} {n / elapsed:>8.1f} {percentile(lat, 0.5) * 1000:>8.1f} "
              f"{percentile(lat, 0.99) * 1000:>8.1f}  {statuses}")
    print(f"  all requests during the load: {total} ({total / elapsed:.0f}/s)")

    print("\naudit:", flush=True)
    lines, failures = audit(run)
    for line in lines:
        print(line)

    server_errors = sum(c for counts in stats.status.values() for s, c in counts.items()
                        if isinstance(s, int) and s >= 500)
    transport = sum(stats.status.get("transport", {}).values())
    unexpected = stats.failures - server_errors - transport - len(run.missing_seen)  # those are their own finding
    levels, log_lines = server_log_lines(args.log)
    print(f"\nserver logs: {levels.get('ERROR', 0)} ERROR, {levels.get('WARN', 0)} WARN lines")
    for line in log_lines:
        print("  " + line)
    if stuck:
        failures.append(f"{len(stuck)} client thread(s) still running after the deadline")
    if server_errors:
        failures.append(f"{server_errors} 5xx answer(s)")
    if transport:
        failures.append(f"{transport} transport error(s)")
    if unexpected:
        failures.append(f"{unexpected} unexpected status(es)")
    if stats.samples:
        print("\nfailing requests (first few):")
        for sample in stats.samples:
            print("  " + sample)
    if failures:
        print(f"\nsoak: FAILED ({len(failures)} finding(s))")
        for f in failures:
            print("  - " + f)
        return 1
    print("\nsoak: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
