"""SQL as trees: fixed shapes parsed once from constants, filled with nodes, never with text."""

from __future__ import annotations

from typing import cast

import sqlglot
from sqlglot import exp


def tree(node: object) -> exp.Expression:
    """sqlglot's builders are typed loosely across its versions; every node they return is an Expression."""
    return cast(exp.Expression, node)


def shape(template: str) -> exp.Expression:
    """A fixed query shape; ``:name`` marks where a node goes (the generic dialect reads it as a placeholder)."""
    return tree(sqlglot.parse_one(template))


def fill(template: exp.Expression, **parts: exp.Expression) -> exp.Expression:
    return tree(exp.replace_placeholders(template.copy(), **parts))


def name(text: str) -> exp.Identifier:
    return exp.to_identifier(text, quoted=True)
