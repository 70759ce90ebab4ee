"""The policy head a run stores: what explain, leaderboard and export need of a policy, read back as it was."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jili.core.label import Label
from jili.core.policy_head import Account, PolicyHead, head_from_json, head_to_json
from jili.io.specs.policy import load_policy
from jili.io.workspace import TEMPLATES

TEMPLATE_FILES = sorted(TEMPLATES.glob("*.yaml"))


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.stem)
def test_every_template_s_head_reads_back_equal(path) -> None:  # type: ignore[no-untyped-def]
    policy, problems = load_policy(path)
    assert policy is not None, problems
    head = policy.head()
    assert (head.id, head.version, head.digest) == (policy.id, policy.version, policy.digest)
    assert head_from_json(head_to_json(head)) == head
    assert list(head_from_json(head_to_json(head)).accounts) == list(policy.accounts)  # type: ignore[union-attr]


HEAD = PolicyHead("p", Label("bonus", "奖金"), "2", "ab" * 32,
                  {"yuan": Account("yuan", "元", 2, "half_up", Label("yuan", "奖金")),
                   "points": Account("points", "分", 0, "down", Label("points", "积分"))})


def test_accounts_keep_their_order_places_and_rounding() -> None:
    back = head_from_json(head_to_json(HEAD))
    assert back is not None and list(back.accounts) == ["yuan", "points"]
    assert back.accounts["yuan"].round(Decimal("2.345")) == Decimal("2.35")
    assert back.accounts["points"].round(Decimal("2.9")) == Decimal("2")
    assert back.accounts["yuan"].round(Decimal("-0.001")) == Decimal("0.00") and \
        str(back.accounts["yuan"].round(Decimal("-0.001"))) == "0.00"


@pytest.mark.parametrize("stored", [{}, None, [], "x", {"id": "p"},
                                    {**head_to_json(HEAD), "accounts": [{"name": "yuan"}]},
                                    {**head_to_json(HEAD), "accounts": [{**head_to_json(HEAD)["accounts"][0],  # type: ignore[index]
                                                                         "rounding": "banker"}]},
                                    {**head_to_json(HEAD), "accounts": [{**head_to_json(HEAD)["accounts"][0],  # type: ignore[index]
                                                                         "places": "two"}]}])
def test_a_missing_or_unreadable_head_is_none_so_the_file_is_read(stored: object) -> None:
    assert head_from_json(stored) is None
