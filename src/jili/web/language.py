"""One language at a time: Simplified Chinese unless the person chose English (a cookie)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

COOKIE = "jili_lang"
LANGUAGES = ("zh-hans", "en")


def chosen(request: HttpRequest) -> str:
    value = request.COOKIES.get(COOKIE, "")
    return value if value in LANGUAGES else LANGUAGES[0]


def is_zh(request: HttpRequest) -> bool:
    return chosen(request) == "zh-hans"


def t(request: HttpRequest, en: str, zh: str) -> str:
    """The Chinese text, or the English one when the person chose English."""
    return zh if is_zh(request) else en


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = chosen(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
