"""The roster as a run reads it: an agent's fields on a day, and the fields and group levels a
policy may name. All derived from the roster format in ``jili.core.facts``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from jili.core.facts import ROSTER, ColumnType

if TYPE_CHECKING:  # the value type only: reading results needs no expression checker (sqlglot)
    from jili.core.expr import Value

# the column that says from when a roster row holds: history, not a field of the agent
SPELL_START = "effective_from"

_KIND = {ColumnType.DATE: "date", ColumnType.DECIMAL: "number", ColumnType.INTEGER: "number",
         ColumnType.BOOLEAN: "boolean"}

# every field of an agent a policy may read, with its kind (text, date, number)
ROSTER_FIELDS: dict[str, str] = {c.name: _KIND.get(c.type, "text") for c in ROSTER.columns if c.name != SPELL_START}



class Level(StrEnum):
    """Where a metric is computed or a ranking is held: each agent, a roster group, or everyone."""

    AGENT = "agent"
    TEAM = "team"
    DEPARTMENT = "department"
    SITE = "site"
    ALL = "all"


# the levels that are roster columns (an agent's team, department, site)
GROUP_LEVELS: tuple[Level, ...] = tuple(lvl for lvl in Level if lvl.value in ROSTER_FIELDS and lvl != Level.AGENT)


def group_of(level: Level, agent_id: str, fields: dict[str, Value] | AgentRow) -> str:
    """The group an agent belongs to at ``level`` ('' for everyone, or when the roster leaves it empty)."""
    if level == Level.AGENT:
        return agent_id
    if level == Level.ALL:
        return ""
    return str(fields.get(level.value) or "")


@dataclass(frozen=True, slots=True)
class AgentRow:
    """An agent as the roster says on the last day of the period."""

    agent_id: str
    fields: tuple[tuple[str, Value], ...]

    def get(self, name: str) -> Value:
        return dict(self.fields).get(name)
