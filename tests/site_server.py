"""A real Jili site for the web tests: the demo workspace (small), served by ``jili serve`` in its own
process, on SQLite or on a database of its own on the PostgreSQL server; and a signed-in HTTP session."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "jili-demo"
POLICY = "r15-service-quality-bonus"
MONTH = "2026-09"
AGENT = "A00007"  # team T001, the demo leader's team
OTHER_AGENT = "A00020"  # team T002
TEAM = "T001"
OTHER_TEAM = "T002"
ASSIGNMENT = "13"  # the demo's first sampled call of AGENT (2 per agent, agents in order): evaluated and appealed
OPEN_ASSIGNMENT = "14"  # AGENT's second sampled call, left for the evaluator
EVALUATION = "J0000001"  # AGENT's evaluation (appeal 1, with the team leader)
OTHER_EVALUATION = "J0000002"  # OTHER_AGENT's
ROLES = ("agent", "leader", "evaluator", "qa", "payroll", "admin")


@dataclass
class Site:
    root: Path
    url: str
    token: str
    database_url: str | None
    process: subprocess.Popen[bytes]

    def env(self) -> dict[str, str]:
        return env_for(self.database_url)


def env_for(database_url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "JILI_DATABASE_URL")}
    if database_url:
        env["DATABASE_URL"] = database_url
    env.update(extra)
    return env


def fresh_database() -> str | None:
    """A database of its own on the PostgreSQL server in the PostgreSQL pass; None on SQLite."""
    server = os.environ.get("DATABASE_URL")
    if not server:
        return None
    import psycopg

    name = f"jili_web_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')  # test set-up: a name made here, not user text
    return server.rsplit("/", 1)[0] + "/" + name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_site(root: Path, agents: int = 30) -> Site:
    database_url = fresh_database()
    env = env_for(database_url)
    built = subprocess.run([sys.executable, "-m", "jili", "demo", "run", "-w", str(root), "--agents", str(agents),
                            "--bank", str(root.parent / "no-bank.tsv"), "--json"],
                           capture_output=True, text=True, env=env, timeout=300)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    token = json.loads(built.stdout)["wallboard"].split("/wall/")[1].split("/")[0]
    port = free_port()
    log = (root.parent / "serve.log").open("wb")  # a file, not a pipe: a full pipe would stall the server
    process = subprocess.Popen([sys.executable, "-m", "jili", "serve", "-w", str(root), "--port", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, env=env_for(database_url, JILI_QUERY_COUNT="1"))
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(url + "/login/", timeout=10)
            return Site(root, url, token, database_url, process)
        except OSError:  # not listening yet (refused), or its first answer slow on a loaded machine (timed out)
            if process.poll() is not None:
                raise AssertionError((root.parent / "serve.log").read_text()) from None
            time.sleep(0.1)
    process.terminate()  # never ready: leave no server behind
    process.wait(timeout=10)
    raise AssertionError("the site did not answer: " + (root.parent / "serve.log").read_text())


def stop_site(site: Site) -> None:
    site.process.terminate()
    site.process.wait(timeout=10)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:  # type: ignore[override]
        return None


@dataclass
class Response:
    status: int
    body: str
    headers: dict[str, str]

    @property
    def queries(self) -> int:
        return int(self.headers["X-Jili-Queries"])


class Session:
    """A person's browser session, without a browser: cookies, CSRF, no redirects followed."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: dict[str, str] | None = None) -> Response:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.site.url + path, data=body,
                                     headers={"Referer": self.site.url + "/", "Accept-Language": "zh-CN"})
        try:
            with self.opener.open(req, timeout=60) as r:
                return Response(r.status, r.read().decode("utf-8", "replace"), dict(r.headers))
        except urllib.error.HTTPError as e:
            return Response(e.code, e.read().decode("utf-8", "replace"), dict(e.headers))

    def get(self, path: str) -> Response:
        return self.request(path)

    def csrf(self, path: str = "/login/") -> str:
        page = self.get(path).body
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert found, page[:500]
        return found.group(1)

    def post(self, path: str, data: dict[str, str], form_page: str | None = None) -> Response:
        token = self.csrf(form_page or path)
        return self.request(path, {**data, "csrfmiddlewaretoken": token})

    def login(self, username: str, password: str = PASSWORD) -> Response:
        return self.post("/login/", {"username": username, "password": password})


def signed_in(site: Site, username: str | None) -> Session:
    session = Session(site)
    if username is not None:
        r = session.login(username)
        assert r.status == 302, (username, r.status, r.body[:300])
    return session
