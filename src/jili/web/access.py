"""Who may see what. Every view asks one of these helpers first; "not yours" is answered as "not
found" (404), so a page never confirms that another person's record exists. A page for another
role is refused (403)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from jili.registry.accounts import current_team, led_teams
from jili.registry.models import Account, Role, Team

ALL_TEAMS = (Role.QA_MANAGER, Role.PAYROLL, Role.ADMIN)  # see every team and every agent
HOME = {Role.AGENT: "me", Role.LEADER: "teams", Role.EVALUATOR: "work", Role.QA_MANAGER: "quality",
        Role.PAYROLL: "periods", Role.ADMIN: "periods"}


def account_of(request: HttpRequest) -> Account | None:
    """The signed-in person's account (None for an anonymous visitor or a user without one)."""
    user = request.user
    if not user.is_authenticated:
        return None
    try:
        return Account.objects.select_related("agent").get(user_id=user.pk)
    except Account.DoesNotExist:
        return None


def access_role(request: HttpRequest, *roles: str) -> Account:
    """The account, when its role is one of ``roles``; else 403."""
    account = account_of(request)
    if account is None or account.role not in roles:
        raise PermissionDenied
    return account


def access_agent(request: HttpRequest, agent_id: str) -> Account:
    """The account, when it may see ``agent_id``'s statements: the agent themself, the leader of the
    agent's current team, the QA manager, payroll and the admin. Anyone else: 404."""
    account = account_of(request)
    if account is None:
        raise Http404
    if account.role in ALL_TEAMS:
        return account
    if account.agent is not None and account.agent.agent_id == agent_id:
        return account
    if account.role == Role.LEADER and current_team(agent_id) in led_teams(account):
        return account
    raise Http404


def access_team(request: HttpRequest, code: str) -> Team:
    """The team, when the account may see it: its leader, or a role that sees every team. Else 404."""
    account = access_role(request, Role.LEADER, *ALL_TEAMS)
    team = Team.objects.filter(code=code).first()
    if team is None or (account.role == Role.LEADER and code not in led_teams(account)):
        raise Http404
    return team


def visible_teams(account: Account) -> list[str] | None:
    """The teams the account sees; None means all."""
    return None if account.role in ALL_TEAMS else sorted(led_teams(account))
