#!/usr/bin/env python3
"""Fuzz Værn's JSON API with schemathesis against its own OpenAPI document.

Starts `vaern serve` on a fresh SQLite database with demo data on a random port, signs in as the demo team leader
(who may read and record), creates a read+write API token, and runs schemathesis with the checks that matter:
no 5xx, status codes, content types and response bodies as documented. Exit code: schemathesis's.

Usage: tests/api/schemathesis_run.py [--bin target/debug/vaern] [--max-examples N]
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))


def start(binary, tmp):
    log = open(os.path.join(tmp, "server.log"), "w")
    proc = subprocess.Popen(
        [binary, "serve", "--database", f"sqlite://{tmp}/v.db", "--listen", "127.0.0.1:0",
         "--demo-children", "120", "--seed", "11"],
        stdout=subprocess.PIPE, stderr=log, text=True, cwd=tmp,
    )
    deadline = time.time() + 180
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                sys.exit(f"vaern serve stopped (exit {proc.returncode}); see {tmp}/server.log")
            continue
        m = re.search(r"http://127\.0\.0\.1:(\d+)", line)
        if m:
            return proc, int(m.group(1))
    proc.kill()
    sys.exit("vaern serve did not start within 180 s")


def request(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read().decode()
    return r.status, r.getheader("Set-Cookie") and r.headers.get_all("Set-Cookie") or [], data


def cookie_value(cookies, name):
    for c in cookies:
        if c.startswith(name + "="):
            return c.split(";", 1)[0].split("=", 1)[1]
    return None


def token_for(port, user, password, scopes):
    _, cookies, html = request(port, "GET", "/login")
    pre = cookie_value(cookies, "__Host-vaern-login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    form = urllib.parse.urlencode({"csrf": csrf, "username": user, "password": password, "next": "/"})
    status, cookies, _ = request(port, "POST", "/login", form, {
        "Cookie": f"__Host-vaern-login={pre}", "Content-Type": "application/x-www-form-urlencoded"})
    assert status == 303, f"sign-in of {user} failed: {status}"
    session = cookie_value(cookies, "__Host-vaern")
    _, _, html = request(port, "GET", "/profil", headers={"Cookie": f"__Host-vaern={session}"})
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    status, _, body = request(port, "POST", "/api/v1/tokens", json.dumps({"name": "schemathesis", "scopes": scopes}), {
        "Cookie": f"__Host-vaern={session}", "X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert status == 201, f"token: {status} {body}"
    return json.loads(body)["token"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.environ.get("VAERN_BIN", os.path.join(REPO, "target", "debug", "vaern")))
    ap.add_argument("--max-examples", default="25")
    ap.add_argument("--schemathesis", default=os.environ.get("SCHEMATHESIS", shutil.which("schemathesis") or "schemathesis"))
    a = ap.parse_args()
    if not os.path.exists(a.bin):
        sys.exit(f"the Værn binary {a.bin} does not exist: build it with `cargo build -p vaern`")
    tmp = tempfile.mkdtemp(prefix="vaern-schemathesis-")
    proc, port = start(a.bin, tmp)
    try:
        base = f"http://127.0.0.1:{port}"
        # Two identities: a team leader (cases, lists, dashboards, audit) and an administrator (users, teams).
        runs = [
            ("teamleder", "read write", ["--exclude-tag", "administration"]),
            ("admin", "read admin", ["--include-tag", "administration"]),
        ]
        rc = 0
        for user, scopes, selection in runs:
            token = token_for(port, user, "vaern-demo", scopes)
            cmd = [
                a.schemathesis, "run", f"{base}/api/v1/openapi.json",
                "--url", base,
                "-H", f"Authorization: Bearer {token}",
                "--checks", "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--phases", "examples,coverage,fuzzing",
                "--max-examples", a.max_examples,
                "--workers", "2",
                "--seed", "20261127",
                "--suppress-health-check", "all",
                "--exclude-path", "/api/v1/tokens/{id}",
                *selection,
            ]
            print(f"== schemathesis as {user} ({scopes})", flush=True)
            rc = subprocess.call(cmd, cwd=tmp) or rc
        if rc != 0:
            print(f"server log: {tmp}/server.log", file=sys.stderr)
        return rc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    sys.exit(main())
