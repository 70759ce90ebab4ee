"""Site accounts and wallboard tokens: created through ``do_*`` actions, each with an audit row."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone as djtz

from jili.core.problems import Location, Problem, Severity
from jili.registry.models import Account, Agent, AgentSpell, AuditEvent, Role, Team, WallboardToken


@dataclass(frozen=True, slots=True)
class NewAccount:
    username: str
    role: str
    password: str  # shown once, to the person who created the account


def _problem(code: str, where: str, en: str, zh: str, fix: str = "", fix_zh: str = "") -> Problem:
    return Problem(Severity.ERROR, code, Location(where), en, zh, fix=fix, fix_zh=fix_zh)


def do_create_account(username: str, role: str, *, acting_user: str, agent_id: str | None = None,
                      teams: Sequence[str] = (), password: str | None = None) -> NewAccount | Problem:
    """A login for one person. An agent account names its agent in the roster; a leader names teams."""
    roles = [r.value for r in Role]
    if role not in roles:
        return _problem("bad_role", role, f"Unknown role '{role}'.", f"未知角色“{role}”。",
                        fix="One of: " + ", ".join(roles), fix_zh="可选：" + "、".join(roles))
    if not username or len(username) > 150 or not all(c.isalnum() or c in "@.+-_" for c in username):
        return _problem("bad_username", username, f"'{username}' is not a user name (letters, digits, @.+-_).",
                        f"“{username}”不是有效用户名（字母、数字、@.+-_）。")
    if User.objects.filter(username=username).exists():
        return _problem("user_exists", username, f"There is already an account '{username}'.",
                        f"账号“{username}”已存在。")
    agent = None
    if agent_id:
        agent = Agent.objects.filter(agent_id=agent_id).first()
        if agent is None:
            return _problem("unknown_agent", agent_id, f"No agent {agent_id} in the roster.",
                            f"花名册中没有坐席 {agent_id}。", fix="Import the roster first.", fix_zh="请先导入花名册。")
    elif role == Role.AGENT:
        return _problem("agent_needed", username, "An agent account needs its agent id (--agent).",
                        "坐席账号须指定工号（--agent）。")
    team_rows = list(Team.objects.filter(code__in=list(teams)))
    missing = sorted(set(teams) - {t.code for t in team_rows})
    if missing:
        return _problem("unknown_team", ", ".join(missing), f"No team {', '.join(missing)}.",
                        f"没有班组 {'、'.join(missing)}。")
    if role == Role.LEADER and not team_rows:
        return _problem("team_needed", username, "A team leader account needs its teams (--team).",
                        "组长账号须指定班组（--team）。")
    password = password or secrets.token_urlsafe(9)
    with transaction.atomic():
        user = User.objects.create_user(username=username, password=password,
                                        is_staff=role == Role.ADMIN, is_superuser=role == Role.ADMIN)
        account = Account.objects.create(user=user, role=role, agent=agent)
        account.teams.set(team_rows)
        AuditEvent.objects.create(at=djtz.now(), actor=acting_user, action="create_account", target=username,
                                  detail={"role": role, "agent": agent_id or "", "teams": sorted(teams)})
    return NewAccount(username, role, password)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def do_create_wallboard_token(label: str, *, acting_user: str) -> str:
    """A new read-only token for a wallboard; only its digest is stored."""
    token = secrets.token_urlsafe(24)
    now = djtz.now()
    with transaction.atomic():
        WallboardToken.objects.create(digest=_digest(token), label=label, created_at=now, created_by=acting_user)
        AuditEvent.objects.create(at=now, actor=acting_user, action="create_wallboard_token", target=label, detail={})
    return token


def wallboard_token_valid(token: str) -> bool:
    return WallboardToken.objects.filter(digest=_digest(token), revoked=False).exists()


def account_named(username: str) -> Account | None:
    """The account of a person by their user name, with the agent they are in the roster."""
    return Account.objects.filter(user__username=username).select_related("agent").first()


def agent_of(username: str) -> str | None:
    """The agent id a person is in the roster, if they are one (an evaluator may have been an agent)."""
    account = account_named(username)
    return account.agent.agent_id if account is not None and account.agent is not None else None


def current_team(agent_id: str) -> str | None:
    """The team of the agent's current roster spell."""
    spell = (AgentSpell.objects.filter(agent__agent_id=agent_id, valid_to__isnull=True).select_related("team")
             .order_by("-valid_from").first())
    return spell.team.code if spell is not None and spell.team is not None else None


def led_teams(account: Account) -> set[str]:
    return set(account.teams.values_list("code", flat=True))


def leads(account: Account | None, agent_id: str) -> bool:
    """Whether ``account`` is the team leader of the agent's current team."""
    return (account is not None and account.role == Role.LEADER
            and current_team(agent_id) in led_teams(account))


def agents_led(account: Account) -> list[str]:
    """The agents whose current team the leader leads (one query, for lists)."""
    return list(AgentSpell.objects.filter(valid_to__isnull=True, team__code__in=sorted(led_teams(account)))
                .values_list("agent__agent_id", flat=True))
