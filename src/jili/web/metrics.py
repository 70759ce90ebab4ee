"""How many database queries a page made, in a response header, when JILI_QUERY_COUNT=1 (the tests and
the load benchmark read it to hold pages to a fixed number of queries: no N+1)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse

HEADER = "X-Jili-Queries"


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = os.environ.get("JILI_QUERY_COUNT") == "1"

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self.enabled:
            return self.get_response(request)
        count = 0

        def counted(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counted):
            response = self.get_response(request)
        response.headers[HEADER] = str(count)
        return response
