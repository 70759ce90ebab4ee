"""Django settings. The database follows the workspace: ``JILI_DATABASE_URL`` (set by the
``jili`` command from the workspace), else ``DATABASE_URL``, else a SQLite file in
``$JILI_HOME`` or ``./jili-workspace``."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

BASE_DIR = Path(__file__).resolve().parent


def database_from_url(url: str) -> dict[str, Any]:
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        name = unquote(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else ":memory:"
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name or ":memory:",
                "OPTIONS": {"timeout": 30, "transaction_mode": "IMMEDIATE"}}
    if parsed.scheme in ("postgres", "postgresql"):
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "jili",
            "USER": unquote(parsed.username or "postgres"),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "127.0.0.1",
            "PORT": str(parsed.port or 5432),
            "TEST": {"NAME": f"test_{unquote(parsed.path.lstrip('/')) or 'jili'}"},
        }
    raise ValueError(f"DATABASE_URL scheme {parsed.scheme!r} is not supported (sqlite, postgresql)")


_home = Path(os.environ.get("JILI_HOME") or "jili-workspace")
_url = (os.environ.get("JILI_DATABASE_URL") or os.environ.get("DATABASE_URL")
        or f"sqlite:///{(_home / 'jili.sqlite3').resolve()}")

# the workspace's own key (made at jili init, set by the jili command); a process without one signs
# with a key of its own, so sessions never share a constant key
SECRET_KEY = os.environ.get("JILI_SECRET_KEY") or secrets.token_urlsafe(50)
JILI_WORKSPACE = os.environ.get("JILI_WORKSPACE") or str(_home.resolve())
DEBUG = os.environ.get("JILI_DEBUG") == "1"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", *filter(None, os.environ.get("JILI_ALLOWED_HOSTS", "").split(","))]
# JILI_SITE=0 (a command other than serve, set by jili.registry.bootstrap.setup): the registry and the accounts
# only; the site's apps cost every command start-up time and nothing else reads them
SITE = os.environ.get("JILI_SITE") != "0"
INSTALLED_APPS = [
    *(["django.contrib.admin"] if SITE else []),
    "django.contrib.auth",
    "django.contrib.contenttypes",
    *(["django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles"] if SITE else []),
    "jili.registry",
    *(["jili.web"] if SITE else []),
]
MIDDLEWARE = [
    "jili.web.metrics.QueryCountMiddleware",  # first, so that it counts every query of a request
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jili.web.language.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "jili.web.urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": database_from_url(_url)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = os.environ.get("JILI_TIMEZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
WHITENOISE_USE_FINDERS = True  # served from the package's static folders; no collectstatic step
WHITENOISE_AUTOREFRESH = DEBUG
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
LOGIN_FAILURES_ALLOWED = 5  # failures for one name, then it waits LOGIN_LOCKOUT_SECONDS
LOGIN_FAILURES_PER_ADDRESS = 100  # failures from one address (a whole floor may share one)
LOGIN_LOCKOUT_SECONDS = 15 * 60
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "jili"}}
