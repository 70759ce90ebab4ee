"""The registry: people and their history, import batches, periods and the audit trail.

Facts themselves live in Parquet batches; the registry says which batches are in force.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Site(models.Model):
    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "site / 职场"

    def __str__(self) -> str:
        return self.name or self.code


class Team(models.Model):
    code = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        verbose_name = "team / 班组"

    def __str__(self) -> str:
        return self.name or self.code


class ImportBatch(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "active / 生效"
        SUPERSEDED = "superseded", "superseded / 已被替代"

    uid = models.CharField(max_length=32, unique=True)
    fact = models.CharField(max_length=32, db_index=True)
    source_name = models.CharField(max_length=500)
    source_sha256 = models.CharField(max_length=64)
    content_key = models.CharField(max_length=64, db_index=True,
                                   help_text="sha256 of file, format, mapping and sheet: the idempotency key")
    mapping_name = models.CharField(max_length=500, blank=True)
    sheet = models.CharField(max_length=200, blank=True)
    encoding = models.CharField(max_length=32, blank=True)
    timezone = models.CharField(max_length=64)
    parquet_path = models.CharField(max_length=500, help_text="relative to the workspace")
    rows = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by")
    imported_at = models.DateTimeField()
    imported_by = models.CharField(max_length=150)
    report = models.JSONField(default=list, help_text="warnings and notes of the import")

    class Meta:
        verbose_name = "import batch / 导入批次"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.fact} {self.source_name}"


class Agent(models.Model):
    agent_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    registered_by = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="registered_agents",
                                      help_text="set when an import registered an agent not in the roster")

    class Meta:
        verbose_name = "agent / 坐席"
        ordering = ["agent_id"]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.name}".strip()


class AgentSpell(models.Model):
    """One stretch of an agent's history: team, status and role from valid_from to valid_to."""

    class Status(models.TextChoices):
        PROBATION = "probation", "probation / 试用"
        REGULAR = "regular", "regular / 正式"
        STANDBY = "standby", "standby / 待岗"
        LEFT = "left", "left / 离职"

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="spells")
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="exclusive; empty while current")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT)
    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.PROTECT)
    department = models.CharField(max_length=200, blank=True)
    desk = models.CharField(max_length=64, blank=True)
    role = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    hire_date = models.DateField()
    confirmed_date = models.DateField(null=True, blank=True)
    leave_date = models.DateField(null=True, blank=True)
    monthly_wage = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, related_name="spells")
    source_row = models.BigIntegerField()

    class Meta:
        verbose_name = "roster history / 花名册历史"
        ordering = ["agent__agent_id", "valid_from"]
        constraints = [models.UniqueConstraint(fields=["agent", "valid_from"], name="one_spell_per_day")]


class Period(models.Model):
    class Kind(models.TextChoices):
        DAY = "day", "day / 日"
        WEEK = "week", "ISO week / 周"
        MONTH = "month", "month / 月"
        QUARTER = "quarter", "quarter / 季"
        YEAR = "year", "year / 年"

    class Status(models.TextChoices):
        OPEN = "open", "open / 未结"
        CLOSED = "closed", "closed / 已结"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    start = models.DateField()
    end = models.DateField(help_text="exclusive")
    label = models.CharField(max_length=32, unique=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = "period / 周期"
        constraints = [models.UniqueConstraint(fields=["kind", "start"], name="one_period_per_start")]


class AuditEvent(models.Model):
    at = models.DateTimeField()
    actor = models.CharField(max_length=150)
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict)

    class Meta:
        verbose_name = "audit event / 审计记录"
        ordering = ["-at", "-id"]


class PolicyRun(models.Model):
    """One computation of a policy for a period. Running an open period again supersedes
    the previous run (its postings stop counting); a closed period cannot be run again."""

    class Status(models.TextChoices):
        ACTIVE = "active", "active / 生效"
        SUPERSEDED = "superseded", "superseded / 已被替代"

    policy_id = models.CharField(max_length=100, db_index=True)
    policy_version = models.CharField(max_length=50)
    policy_digest = models.CharField(max_length=64)
    policy_source = models.TextField(help_text="the policy file as it was run")
    policy_head = models.JSONField(default=dict, help_text="what reading the results needs of the policy: name, "
                                                           "version and accounts (jili.core.policy_head)")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    batches = models.JSONField(default=list, help_text="ids of the fact batches read")
    started_at = models.DateTimeField()
    started_by = models.CharField(max_length=150)
    agents = models.IntegerField(default=0)
    problems = models.JSONField(default=list)

    class Meta:
        verbose_name = "policy run / 计算批次"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["policy_id", "period"], condition=models.Q(status="active"),
                                               name="one_active_run_per_policy_period")]


class Posting(models.Model):
    """A movement on an account. Never edited: a correction is a new posting that names the one it corrects."""

    class Kind(models.TextChoices):
        RULE = "rule", "rule / 规则"
        REDEMPTION = "redemption", "redemption / 兑换"
        CORRECTION = "correction", "correction / 更正"

    run = models.ForeignKey(PolicyRun, null=True, blank=True, on_delete=models.PROTECT, related_name="postings")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="postings")
    policy_id = models.CharField(max_length=100, db_index=True)
    rule_id = models.CharField(max_length=100)
    agent_id = models.CharField(max_length=64, db_index=True)
    account = models.CharField(max_length=64)
    amount = models.DecimalField(max_digits=18, decimal_places=4)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.RULE)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = "posting / 记账"
        ordering = ["id"]
        indexes = [models.Index(fields=["policy_id", "agent_id", "account"]),
                   models.Index(fields=["kind", "agent_id"])]  # corrections are few: found at once


class StatementRecord(models.Model):
    """One agent's statement of a run, as the engine explained it (rendered by jili explain and the web)."""

    run = models.ForeignKey(PolicyRun, on_delete=models.CASCADE, related_name="statements")
    agent_id = models.CharField(max_length=64, db_index=True)
    data = models.TextField(help_text="the statement's JSON as text (core.statement.statement_to_text): read by "
                                      "orjson, several times faster than a JSON column decoded by json")

    class Meta:
        verbose_name = "statement / 结算单"
        constraints = [models.UniqueConstraint(fields=["run", "agent_id"], name="one_statement_per_run")]


class ImportLock(models.Model):
    """One row per fact format: an import commits holding its row, so two imports of the same
    format cannot both pass the check for keys already imported."""

    fact = models.CharField(max_length=32, unique=True)


class Standing(models.Model):
    """One agent's total on one account in one run, with its place: what leaderboards, team pages and
    payroll read, so that no page decodes every statement to show ten rows. Written with the run."""

    run = models.ForeignKey(PolicyRun, on_delete=models.CASCADE, related_name="standings")
    account = models.CharField(max_length=64)
    agent_id = models.CharField(max_length=64)
    name = models.CharField(max_length=200, blank=True)
    team = models.CharField(max_length=64, blank=True)
    total = models.DecimalField(max_digits=18, decimal_places=4)
    places = models.SmallIntegerField(help_text="decimal places the total is shown with (the account's)")
    place = models.IntegerField(null=True, blank=True, help_text="1 = highest; ties share a place; empty when not eligible")
    eligible = models.BooleanField()
    level = models.CharField(max_length=100, blank=True)
    flags = models.IntegerField(default=0)

    class Meta:
        verbose_name = "standing / 名次"
        constraints = [models.UniqueConstraint(fields=["run", "account", "agent_id"], name="one_standing_per_account")]
        indexes = [models.Index(fields=["run", "account", "place"]), models.Index(fields=["run", "team"]),
                   models.Index(fields=["agent_id", "run"])]


class Role(StrEnum):
    """What a person does in the centre, which decides what the site shows them."""

    AGENT = "agent"
    LEADER = "leader"
    EVALUATOR = "evaluator"
    QA_MANAGER = "qa_manager"
    PAYROLL = "payroll"
    ADMIN = "admin"


ROLE_LABELS = {Role.AGENT: "坐席 / agent", Role.LEADER: "组长 / team leader", Role.EVALUATOR: "质检员 / evaluator",
               Role.QA_MANAGER: "质检主管 / QA manager", Role.PAYROLL: "薪酬 / payroll", Role.ADMIN: "管理员 / admin"}


class Account(models.Model):
    """A person who logs in to the site: their role, and the agent or teams it covers."""

    user = models.OneToOneField("auth.User", on_delete=models.CASCADE, related_name="jili_account")
    role = models.CharField(max_length=16, choices=[(r.value, ROLE_LABELS[r]) for r in Role])
    agent = models.ForeignKey(Agent, null=True, blank=True, on_delete=models.PROTECT, related_name="accounts",
                              help_text="the agent in the roster this account is (agents; a leader may also be one)")
    teams = models.ManyToManyField(Team, blank=True, related_name="leaders", help_text="teams a leader sees")

    class Meta:
        verbose_name = "account / 账号"

    def __str__(self) -> str:
        return f"{self.user.username} ({self.role})"


class WallboardToken(models.Model):
    """A read-only token for the TV on the floor: it opens the wallboard and nothing else."""

    digest = models.CharField(max_length=64, unique=True, help_text="sha256 of the token; the token itself is not kept")
    label = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = "wallboard token / 大屏令牌"


class CalendarDay(models.Model):
    """A centre's override of the Chinese working-day calendar: a day that is worked or not, whatever the
    ``chinesecalendar`` package says — and the way to enter a year the package does not know yet (the State
    Council publishes next year's holidays each November)."""

    day = models.DateField(unique=True)
    workday = models.BooleanField()
    note = models.CharField(max_length=200, blank=True, help_text="why: 调休, a local holiday, the published schedule")
    set_at = models.DateTimeField()
    set_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = "calendar override / 工作日调整"
        ordering = ["day"]


class Assignment(models.Model):
    """A sampled call in one evaluator's queue (R3), with why it was picked and when it is due."""

    period = models.CharField(max_length=32, help_text="the sampling period's label")
    interaction_id = models.CharField(max_length=128)
    agent_id = models.CharField(max_length=64, db_index=True)
    call_at = models.DateTimeField()
    evaluator = models.CharField(max_length=150, db_index=True, help_text="the evaluator's user name")
    scorecard = models.CharField(max_length=100)
    due = models.DateField()
    reason_en = models.CharField(max_length=200)
    reason_zh = models.CharField(max_length=200)
    assigned_at = models.DateTimeField()
    assigned_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = "QA assignment / 质检任务"
        ordering = ["due", "id"]
        constraints = [models.UniqueConstraint(fields=["interaction_id"], name="one_assignment_per_call")]


class Evaluation(models.Model):
    """One version of an evaluation made in Jili. Never edited: a change (an edit, an appeal's decision) is a
    new version with the next number; the highest version is the one in force and the one published to the
    facts (``evaluations`` and ``evaluation_items``)."""

    evaluation_id = models.CharField(max_length=64, db_index=True)
    version = models.IntegerField()
    assignment = models.ForeignKey(Assignment, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="evaluations")
    interaction_id = models.CharField(max_length=128)
    agent_id = models.CharField(max_length=64, db_index=True)
    evaluator = models.CharField(max_length=150)
    scorecard = models.CharField(max_length=100)
    scorecard_version = models.CharField(max_length=50)
    call_at = models.DateTimeField()
    answers = models.JSONField(help_text="item answers: item, score, occurrences, not_applicable, fatal, serious, machine")
    score = models.DecimalField(max_digits=9, decimal_places=2)
    fatal = models.BooleanField()
    comment = models.TextField(blank=True)
    why = models.CharField(max_length=300, blank=True, help_text="why this version exists (first, edit, appeal N)")
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)

    class Meta:
        verbose_name = "evaluation / 质检评分"
        ordering = ["evaluation_id", "version"]
        constraints = [models.UniqueConstraint(fields=["evaluation_id", "version"], name="one_row_per_version")]


class Acknowledgement(models.Model):
    """The agent has read an evaluation and accepts it."""

    evaluation_id = models.CharField(max_length=64, unique=True)
    at = models.DateTimeField()
    by = models.CharField(max_length=150)


class Appeal(models.Model):
    """An agent's written appeal against an evaluation, whole or some items (R12): the team leader reviews it
    first, then the QA manager decides. Its dates are counted on the centre's working-day calendar."""

    class Status(models.TextChoices):
        LEADER = "leader", "with the team leader / 组长审核中"
        QA = "qa", "with the QA manager / 质检主管审核中"
        CLOSED_BY_LEADER = "closed_by_leader", "closed by the team leader / 组长驳回"
        UPHELD = "upheld", "evaluation upheld / 维持原评分"
        PARTLY = "partly", "partly accepted / 部分采纳"
        OVERTURNED = "overturned", "overturned / 申诉成立"

    evaluation_id = models.CharField(max_length=64, db_index=True)
    version = models.IntegerField(help_text="the version appealed against")
    agent_id = models.CharField(max_length=64, db_index=True)
    items = models.JSONField(default=list, help_text="item ids appealed; empty: the whole evaluation")
    reason = models.TextField()
    filed_at = models.DateTimeField()
    filed_by = models.CharField(max_length=150)
    notice_date = models.DateField(help_text="when the agent was notified of the evaluation")
    window_end = models.DateField(help_text="the last day an appeal could be filed")
    review_due = models.DateField(help_text="the review is finished by this day (15 working days)")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.LEADER, db_index=True)
    leader = models.CharField(max_length=150, blank=True)
    leader_at = models.DateTimeField(null=True, blank=True)
    leader_reason = models.TextField(blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    new_version = models.IntegerField(null=True, blank=True, help_text="the evaluation's version the decision made")
    consequences = models.JSONField(default=list, help_text="runs and corrections the decision caused")

    class Meta:
        verbose_name = "appeal / 申诉"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["evaluation_id"], condition=models.Q(status__in=["leader", "qa"]),
                                               name="one_open_appeal_per_evaluation")]


class CalibrationSession(models.Model):
    """The QA manager's calibration: chosen calls, chosen evaluators, each scoring blind on one scorecard."""

    name = models.CharField(max_length=200)
    scorecard = models.CharField(max_length=100)
    evaluators = models.JSONField(default=list, help_text="user names of the evaluators taking part")
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "calibration session / 校准会"
        ordering = ["-id"]


class CalibrationCall(models.Model):
    session = models.ForeignKey(CalibrationSession, on_delete=models.CASCADE, related_name="calls")
    interaction_id = models.CharField(max_length=128)
    agent_id = models.CharField(max_length=64)
    call_at = models.DateTimeField()
    consensus = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    consensus_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["session", "interaction_id"], name="one_call_per_session")]


class CalibrationScore(models.Model):
    """One evaluator's blind scoring of one calibration call (saved again until the session closes)."""

    call = models.ForeignKey(CalibrationCall, on_delete=models.CASCADE, related_name="scores")
    evaluator = models.CharField(max_length=150)
    answers = models.JSONField()
    score = models.DecimalField(max_digits=9, decimal_places=2)
    fatal = models.BooleanField()
    saved_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call", "evaluator"], name="one_score_per_evaluator")]


class CoachingTask(models.Model):
    """R5's closed loop: a finding opens a coaching task for the team leader with a due date; the leader holds
    the session, the agent acknowledges it, and the next evaluation of the agent closes it."""

    class Reason(models.TextChoices):
        FLAGGED = "flagged", "flagged by a rule (bottom 10 % twice) / 规则标记"
        FATAL = "fatal", "a fatal error / 致命错误"
        AUTOQA = "autoqa", "a severe auto-QA finding / 严重智能质检发现"

    class Status(models.TextChoices):
        OPEN = "open", "open / 待辅导"
        HELD = "held", "session held / 已辅导"
        CLOSED = "closed", "closed by a follow-up evaluation / 已闭环"

    agent_id = models.CharField(max_length=64, db_index=True)
    team = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    evidence = models.CharField(max_length=300, help_text="what opened it: an evaluation, a rule of a run, a finding")
    period = models.CharField(max_length=32)
    opened_at = models.DateTimeField()
    opened_by = models.CharField(max_length=150)
    due = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN, db_index=True)
    session_at = models.DateTimeField(null=True, blank=True)
    session_by = models.CharField(max_length=150, blank=True)
    session_notes = models.TextField(blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    follow_up = models.CharField(max_length=64, blank=True, help_text="the evaluation that closed it")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "coaching task / 辅导任务"
        ordering = ["due", "id"]
        constraints = [models.UniqueConstraint(fields=["agent_id", "reason", "evidence"], name="one_task_per_finding")]


class CareerStep(models.Model):
    """R19: an agent's step on the career ladder from a day on — the history is every row, never edited;
    the current step is the latest that has taken effect."""

    class Route(models.TextChoices):
        HIRE = "hire", "starting step / 起始职级"
        POINTS = "points", "through points / 积分晋升"
        APPRAISAL = "appraisal", "through the yearly appraisal / 年度考核晋升"
        MANUAL = "manual", "entered by hand / 人工调整"

    agent_id = models.CharField(max_length=64, db_index=True)
    step = models.CharField(max_length=16, help_text="a code of jili.core.ladder.LADDER")
    effective = models.DateField()
    route = models.CharField(max_length=16, choices=Route.choices)
    evidence = models.JSONField(default=dict, help_text="what it rests on, as the proposal said it: {en, zh}")
    decided_by = models.CharField(max_length=150)
    decided_at = models.DateTimeField()

    class Meta:
        verbose_name = "career step / 职级"
        ordering = ["agent_id", "effective", "id"]
        constraints = [models.UniqueConstraint(fields=("agent_id", "effective"), name="one_step_per_agent_day")]
