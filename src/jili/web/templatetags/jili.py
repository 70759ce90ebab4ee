"""Template tags: ``{% t "English" "中文" %}`` picks the person's language; ``{{ label|tr }}`` a Label's."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.template.context import Context

from jili.core.label import Label
from jili.core.problems import Problem
from jili.web.language import is_zh

register = template.Library()


def _zh(context: Context) -> bool:
    request = context.get("request")
    return request is None or is_zh(request)


@register.simple_tag(takes_context=True)
def t(context: Context, en: str, zh: str) -> str:
    return zh if _zh(context) else en


@register.simple_tag(takes_context=True)
def tr(context: Context, label: Label | tuple[str, str]) -> str:
    """A bilingual label (a Label, or an (en, zh) pair) in the person's language."""
    en, zh = (label.en, label.zh) if isinstance(label, Label) else label
    return zh if _zh(context) else en


@register.filter
def amount(value: Decimal | None) -> str:
    """A money or points amount with its sign and thousands separators, exactly as stored."""
    if value is None:
        return "—"
    return f"{value:+,}" if value else "0"


@register.filter
def number(value: Decimal | float | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


@register.simple_tag(takes_context=True)
def show(context: Context, value: object) -> str:
    """A value read by a rule, as a person writes it: no None, no True/False."""
    zh = _zh(context)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return ("是" if value else "否") if zh else ("yes" if value else "no")
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


@register.filter
def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


@register.filter
def fixed(value: float | None, places: int = 1) -> str:
    return "—" if value is None else f"{value:,.{places}f}"


@register.simple_tag
def show_problem(problem: Problem, lang: str) -> str:
    """A problem as the command line prints it: where, what, expected, found, how to fix."""
    return problem.render(lang)


@register.filter
def pct1(value: Decimal | float | None) -> str:
    """A share as a percentage with one decimal (an accuracy of 0.9867 is 98.7 %)."""
    return "—" if value is None else f"{float(value):.1%}"


@register.simple_tag(takes_context=True)
def appeal_status(context: Context, status: str) -> str:
    """An appeal's step in the person's language."""
    from jili.registry.appeals import STATUS_LABELS
    from jili.registry.models import Appeal

    en, zh = STATUS_LABELS[Appeal.Status(status)]
    return zh if _zh(context) else en


@register.simple_tag(takes_context=True)
def coaching_reason(context: Context, reason: str) -> str:
    from jili.registry.coaching import REASON_LABELS

    en, zh = REASON_LABELS[reason]
    return zh if _zh(context) else en


@register.simple_tag(takes_context=True)
def coaching_status(context: Context, status: str) -> str:
    from jili.registry.coaching import STATUS_LABELS

    en, zh = STATUS_LABELS[status]
    return zh if _zh(context) else en
