"""Jili installed the way a centre's IT installs it: a wheel, outside the checkout. Everything it
reads at run time comes with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    assert "BuildBackendWarning" not in built.stderr and "deprecated" not in built.stderr.lower()
    wheel = next(out.glob("jili-*.whl"))
    site = out / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return site


def jili_from(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "JILI_DATABASE_URL")}
    env["PYTHONPATH"] = str(site)  # ahead of the checkout's editable install
    return subprocess.run([sys.executable, "-m", "jili", *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=300)


def test_the_wheel_carries_its_templates_and_runs_the_demo(installed: Path, tmp_path: Path) -> None:
    where = jili_from(installed, tmp_path, "--version")
    assert where.returncode == 0 and where.stdout.startswith("jili 0."), where.stderr
    env = {**os.environ, "PYTHONPATH": str(installed)}
    located = subprocess.run([sys.executable, "-c", "import jili; print(jili.__file__)"], capture_output=True,
                             text=True, env=env, cwd=tmp_path)
    assert located.stdout.strip().startswith(str(installed))
    listed = json.loads(jili_from(installed, tmp_path, "templates", "list", "--json").stdout)
    names = {t["name"] for t in listed["templates"]}
    assert {"r15-service-quality-bonus", "r14-meal-ordering-points", "r1-agent-assessment"} <= names
    assert len(names) == 19
    for pack in ("zh-cn-service.yaml", "en-service.yaml"):
        assert (installed / "jili" / "templates" / "autoqa" / pack).exists()
    assert (installed / "jili" / "mappings" / "anonymous-bank.yaml").exists()
    for model in ("stc3-judgement.npz", "sentiment.npz"):  # auto-QA's models ship, nothing is downloaded
        assert (installed / "jili" / "autoqa" / "models" / model).exists()
    demo = jili_from(installed, tmp_path, "demo", "run", "-w", str(tmp_path / "demo"), "--agents", "30", "--json")
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert json.loads(demo.stdout)["run"]["agents"] == 30
    assert (installed / "jili-0.1.0.dist-info" / "licenses" / "LICENSE").exists()


def test_a_template_piped_to_a_file_is_the_template(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "jili", "templates", "show", "r14-meal-ordering-points"],
                         capture_output=True, text=True, timeout=60)
    shipped = (ROOT / "src" / "jili" / "templates" / "r14-meal-ordering-points.yaml").read_text(encoding="utf-8")
    assert out.returncode == 0 and out.stdout == shipped
    assert max(len(line) for line in shipped.splitlines()) > 80  # the case that used to be wrapped
