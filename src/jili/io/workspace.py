"""The workspace: a folder with a config file, policies, fact batches and the database."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

CONFIG_NAME = "jili.toml"
TEMPLATES = Path(__file__).resolve().parents[1] / "templates"  # shipped policies, scorecards, rule packs
DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_DIR = "jili-workspace"


@dataclass(frozen=True, slots=True)
class Workspace:
    root: Path
    name: str = "Jili"
    timezone: str = DEFAULT_TIMEZONE
    database_url: str | None = None  # None: the embedded SQLite file
    language: str = "zh-hans"

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    @property
    def facts_dir(self) -> Path:
        return self.root / "facts"

    @property
    def staging_dir(self) -> Path:
        return self.facts_dir / ".staging"

    @property
    def policies_dir(self) -> Path:
        return self.root / "policies"

    @property
    def scorecards_dir(self) -> Path:
        return self.root / "scorecards"

    @property
    def sqlite_path(self) -> Path:
        return self.root / "jili.sqlite3"

    @property
    def effective_database_url(self) -> str:
        return os.environ.get("DATABASE_URL") or self.database_url or f"sqlite:///{self.sqlite_path}"

    @property
    def secret_key_path(self) -> Path:
        return self.root / "secret_key"

    def secret_key(self) -> str:
        """The site's signing key: made once per workspace, kept beside the config, readable by its owner only."""
        path = self.secret_key_path
        if not path.exists():
            import secrets

            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(secrets.token_urlsafe(50))
        return path.read_text(encoding="utf-8").strip()

    def batch_path(self, fact: str, uid: str) -> Path:
        return self.facts_dir / fact / f"{uid}.parquet"


def default_root() -> Path:
    return Path(os.environ.get("JILI_HOME") or DEFAULT_DIR)


def load_workspace(root: Path) -> Workspace | None:
    """The workspace at ``root``, or None when there is none (no jili.toml)."""
    path = root / CONFIG_NAME
    if not path.exists():
        return None
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    section = data.get("workspace", {})
    return Workspace(
        root=root.resolve(),
        name=str(section.get("name", "Jili")),
        timezone=str(section.get("timezone", DEFAULT_TIMEZONE)),
        database_url=section.get("database_url") or None,
        language=str(section.get("language", "zh-hans")),
    )


def _toml(text: str) -> str:
    """A TOML basic string: JSON's escapes are a subset of TOML's, so a name with quotes,
    backslashes or line breaks stays one value and cannot add keys to the file."""
    return json.dumps(text, ensure_ascii=False)


def write_config(ws: Workspace) -> None:
    lines = [
        "# Jili workspace / 激励工作区",
        "[workspace]",
        f"name = {_toml(ws.name)}",
        "# Timestamps without a timezone are read in this zone / 无时区的时间按此时区读取",
        f"timezone = {_toml(ws.timezone)}",
        "# Empty: the embedded SQLite file jili.sqlite3. Or postgresql://user@host:5432/db",
        "# 为空时使用内置 SQLite；也可填 PostgreSQL 连接串。环境变量 DATABASE_URL 优先。",
        f"database_url = {_toml(ws.database_url or '')}",
        f"language = {_toml(ws.language)}",
        "",
    ]
    ws.config_path.write_text("\n".join(lines), encoding="utf-8")


def create_layout(ws: Workspace) -> None:
    ws.root.mkdir(parents=True, exist_ok=True)
    ws.policies_dir.mkdir(exist_ok=True)
    ws.facts_dir.mkdir(exist_ok=True)
    ws.staging_dir.mkdir(exist_ok=True)
    if not ws.config_path.exists():
        write_config(ws)
    ws.secret_key()
