"""The fact formats: every kind of record a call centre exports, as typed columns.

This module is the single source of truth for column names, types, units, Chinese
header aliases and natural keys. The importer validates against it, the metrics read
it, and ``docs/data-formats.md`` is generated from it (``jili formats --markdown``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class ColumnType(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"  # exact, stored as decimal(18, 4)
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"  # timezone-aware, stored in UTC
    CHOICE = "choice"  # one of a fixed set of codes, Chinese and English aliases accepted
    TURNS = "turns"  # transcripts only: a list of {speaker, text, start_ms, end_ms}


DECIMAL_SCALE = 4

BOOLEAN_TRUE = ("true", "t", "yes", "y", "1", "是", "有", "对", "√", "✓")
BOOLEAN_FALSE = ("false", "f", "no", "n", "0", "否", "无", "没有", "不是", "×", "✗")


# characters no name, note or spec file holds: the C0 controls but tab, line feed and carriage return, and DEL
CONTROL_CHARACTERS = frozenset(chr(c) for c in [*range(0, 9), 11, 12, *range(14, 32), 127])
CONTROL_PATTERN = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]"  # the same, as a regular expression (Arrow's too)


def fold(text: str) -> str:
    """Normalise a header or code for matching: NFKC, lower case, no spaces or _-./()."""
    text = unicodedata.normalize("NFKC", text).strip().lower()
    for ch in " _-./()（）:：\t\ufeff":
        text = text.replace(ch, "")
    return text


@dataclass(frozen=True, slots=True)
class Choice:
    code: str
    label_zh: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: ColumnType
    description: str
    description_zh: str
    required: bool = False
    unit: str = ""
    aliases: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    future_ok: bool = False  # a date that may lie ahead (a roster announces a coming change)

    def choice_lookup(self) -> dict[str, str]:
        """Folded code, Chinese label or alias -> canonical code."""
        table: dict[str, str] = {}
        for choice in self.choices:
            for word in (choice.code, choice.label_zh, *choice.aliases):
                table[fold(word)] = choice.code
        return table


@dataclass(frozen=True, slots=True)
class FactFormat:
    name: str
    title: str
    title_zh: str
    description: str
    description_zh: str
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]
    agent_column: str | None = "agent_id"
    file_kinds: str = "CSV, XLSX, XLS, ODS, Parquet, JSON Lines"
    time_column: str | None = None  # the column that places a fact in a period (None: it has no period)
    time_fallback: str | None = None  # where time_column is empty, this one places it (evaluations: evaluated_at)

    @property
    def placed_by(self) -> tuple[str, ...]:
        """The columns that place a fact in a period, first one with a value wins — the one rule
        every policy metric, per-event rule and QA command uses."""
        return tuple(c for c in (self.time_column, self.time_fallback) if c)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def time_columns(self) -> tuple[str, ...]:
        return tuple(
            c.name for c in self.columns if c.type in (ColumnType.TIMESTAMP, ColumnType.DATE)
        )

    def header_lookup(self) -> dict[str, str]:
        """Folded header or alias -> column name."""
        table: dict[str, str] = {}
        for col in self.columns:
            for word in (col.name, *col.aliases):
                table[fold(word)] = col.name
        return table


# --- shared columns ---------------------------------------------------------------

AGENT_ALIASES = (
    "工号", "坐席工号", "座席工号", "员工编号", "员工工号", "客服工号", "坐席号", "座席号",
    "坐席ID", "agent", "agent id", "staff id", "employee id", "emp id",
)


def agent_column(required: bool = True) -> Column:
    return Column(
        "agent_id", ColumnType.TEXT, "The agent's staff id, as in the roster.",
        "坐席工号，与花名册一致。", required=required, aliases=AGENT_ALIASES,
    )


def interaction_ref(required: bool = False) -> Column:
    return Column(
        "interaction_id", ColumnType.TEXT, "The call or chat this record is about.",
        "对应的通话或会话编号。", required=required,
        aliases=("通话ID", "通话编号", "呼叫ID", "呼叫编号", "流水号", "会话ID", "call id", "call_id",
                 "session id"),
    )


def seconds(name: str, en: str, zh: str, aliases: tuple[str, ...]) -> Column:
    return Column(name, ColumnType.INTEGER, en, zh, unit="s", aliases=aliases, minimum=0)


SOURCE_CHOICES = (
    Choice("internal", "内部", ("内部质检", "自检", "中心")),
    Choice("carrier", "运营商", ("运营商质检", "外部", "甲方", "客户方")),
    Choice("mystery_shopper", "神秘客户", ("暗访", "拨测", "mystery", "测试呼叫")),
    Choice("auto", "智能质检", ("自动", "自动质检", "机器", "ai")),
)

# --- the formats ------------------------------------------------------------------

ROSTER = FactFormat(
    name="roster",
    title="Roster",
    title_zh="花名册",
    description=(
        "Who works where, and since when. One row per agent per change: a team move or a "
        "status change is a new row with its own effective_from date, so history is kept."
    ),
    description_zh="人员及其所属与状态。每次调组或状态变化一行，以生效日期区分，保留历史。",
    columns=(
        agent_column(),
        Column("name", ColumnType.TEXT, "Display name.", "姓名。",
               aliases=("姓名", "坐席姓名", "员工姓名", "名字", "agent name")),
        Column("team", ColumnType.TEXT, "Team (group) code or name.", "班组。",
               aliases=("班组", "组别", "小组", "所属班组", "team name", "group")),
        Column("department", ColumnType.TEXT, "Department.", "部门。",
               aliases=("部门", "所属部门", "dept")),
        Column("site", ColumnType.TEXT, "Site or call centre.", "职场/中心。",
               aliases=("职场", "站点", "中心", "分中心", "location")),
        Column("desk", ColumnType.TEXT, "Desk or queue group the agent serves (R3: GSM, CDMA, VIP).",
               "台席（R3：GSM台、CDMA台、VIP台）。", aliases=("台席", "席位", "坐席组", "技能组")),
        Column("role", ColumnType.CHOICE, "Role, for role targets (R7).", "岗位（R7 岗位指标）。",
               aliases=("岗位", "角色", "职位", "position"),
               choices=(
                   Choice("inbound", "呼入", ("呼入坐席", "呼入客服")),
                   Choice("outbound", "呼出", ("呼出坐席", "外呼")),
                   Choice("data_entry", "录入", ("录入员", "数据录入")),
                   Choice("email", "邮件", ("邮件客服", "e-mail")),
                   Choice("qa", "质检", ("质检员", "quality")),
                   Choice("team_leader", "组长", ("班长", "主管", "leader", "supervisor")),
               )),
        Column("status", ColumnType.CHOICE, "Employment status from effective_from on.",
               "自生效日期起的在职状态。", required=True,
               aliases=("状态", "员工状态", "在职状态"),
               choices=(
                   Choice("probation", "试用", ("试用期", "未转正", "见习")),
                   Choice("regular", "正式", ("转正", "在职", "正式员工", "active")),
                   Choice("standby", "待岗", ("停岗",)),
                   Choice("left", "离职", ("已离职", "leaver", "inactive")),
               )),
        Column("hire_date", ColumnType.DATE, "Date joined.", "入职日期。", required=True,
               aliases=("入职日期", "入职时间", "入司日期", "joined", "start date"), future_ok=True),
        Column("confirmed_date", ColumnType.DATE, "Date confirmed after probation (转正).",
               "转正日期。", aliases=("转正日期", "转正时间"), future_ok=True),
        Column("leave_date", ColumnType.DATE, "Last day of employment.", "离职日期。",
               aliases=("离职日期", "离职时间", "end date"), future_ok=True),
        Column("effective_from", ColumnType.DATE,
               "Date from which this row holds; defaults to hire_date.",
               "本行生效日期，缺省为入职日期。", aliases=("生效日期", "生效时间", "变更日期"), future_ok=True),
        Column("monthly_wage", ColumnType.DECIMAL, "Monthly wage, for percent-of-wage rewards (R16).",
               "月工资（R16 按工资比例奖励）。", unit="yuan",
               aliases=("月工资", "工资", "月薪", "基本工资", "wage", "salary")),
    ),
    natural_key=("agent_id", "effective_from"),
)

INTERACTIONS = FactFormat(
    name="interactions",
    title="Interactions",
    title_zh="通话/会话记录",
    description="One row per call, chat or e-mail, as exported by the ACD/CTI or chat system.",
    description_zh="每通电话、每个会话或邮件一行，来自话务系统（ACD/CTI）或在线客服系统导出。",
    columns=(
        Column("interaction_id", ColumnType.TEXT, "Unique id of the call or chat.",
               "通话或会话的唯一编号。", required=True,
               aliases=("通话ID", "通话编号", "呼叫ID", "呼叫编号", "流水号", "会话ID", "录音流水号",
                        "call id", "session id")),
        agent_column(required=False),
        Column("queue", ColumnType.TEXT, "Queue or skill the interaction came through.",
               "队列/技能组。", aliases=("队列", "技能组", "技能队列", "skill", "skill group")),
        Column("channel", ColumnType.CHOICE, "Channel; voice when absent.", "渠道，缺省为电话。",
               aliases=("渠道", "接入渠道", "媒体类型", "media"),
               choices=(
                   Choice("voice", "电话", ("语音", "热线", "phone", "call")),
                   Choice("chat", "在线", ("文字", "在线客服", "im", "web chat")),
                   Choice("email", "邮件", ("e-mail", "mail")),
                   Choice("sms", "短信", ("message",)),
                   Choice("video", "视频", ()),
               )),
        Column("direction", ColumnType.CHOICE, "Inbound or outbound; inbound when absent.",
               "呼入或呼出，缺省为呼入。", aliases=("呼叫方向", "方向", "呼入呼出", "call direction"),
               choices=(Choice("inbound", "呼入", ("in",)), Choice("outbound", "呼出", ("out", "外呼")))),
        Column("offered_at", ColumnType.TIMESTAMP,
               "When the interaction reached the centre (entered the IVR or queue).",
               "进线时间（进入IVR或排队）。", required=True,
               aliases=("进线时间", "呼入时间", "开始时间", "来电时间", "呼叫时间", "start time", "start")),
        Column("answered_at", ColumnType.TIMESTAMP, "When an agent answered; empty if never.",
               "坐席接听时间，未接为空。", aliases=("接听时间", "应答时间", "接通时间", "answer time")),
        Column("ended_at", ColumnType.TIMESTAMP, "When the interaction ended.", "结束时间。",
               aliases=("结束时间", "挂机时间", "end time", "end")),
        seconds("queue_seconds", "Seconds waiting in queue.", "排队时长（秒）。",
                ("排队时长", "等待时长", "排队时间", "wait", "queue time")),
        seconds("talk_seconds", "Seconds talking with the agent.", "通话时长（秒）。",
                ("通话时长", "通话时间", "talk time", "service time")),
        seconds("hold_seconds", "Seconds on hold.", "保持时长（秒）。", ("保持时长", "保持时间", "hold time")),
        seconds("wrap_seconds", "After-call work seconds.", "话后处理时长（秒）。",
                ("话后处理时长", "整理时长", "事后处理时长", "acw", "wrap time")),
        Column("outcome", ColumnType.CHOICE, "What happened to the interaction.", "呼叫结果。",
               required=True, aliases=("呼叫结果", "通话结果", "结果", "接通状态", "result"),
               choices=(
                   Choice("answered", "接通", ("已接", "已接通", "应答", "接听", "agent")),
                   Choice("abandoned", "放弃", ("未接", "呼损", "客户放弃", "排队放弃", "hang")),
                   Choice("transferred", "转接", ("已转接", "转移", "transfer")),
                   Choice("invalid", "无效", ("无效呼叫", "幽灵呼叫", "phantom", "test")),
               )),
        Column("resolution", ColumnType.CHOICE, "Whether the customer's matter was resolved.",
               "是否解决。", aliases=("解决情况", "是否解决", "处理结果", "一次解决"),
               choices=(
                   Choice("resolved", "已解决", ("解决", "一次解决", "fcr")),
                   Choice("unresolved", "未解决", ("待处理",)),
                   Choice("escalated", "升级", ("转工单", "已升级")),
               )),
        Column("hung_up_by", ColumnType.CHOICE, "Who ended the call first (R1's hang-up item).",
               "先挂机方（R1 挂机项）。", aliases=("挂机方", "先挂机方", "挂断方", "released by"),
               choices=(
                   Choice("agent", "坐席", ("座席", "客服", "员工")),
                   Choice("customer", "客户", ("用户", "来电方")),
                   Choice("system", "系统", ()),
               )),
        Column("customer_id", ColumnType.TEXT, "Customer id (for repeat callers).",
               "客户编号（用于识别重复来电）。", aliases=("客户号", "客户编号", "客户ID", "用户ID", "customer")),
        Column("category", ColumnType.TEXT, "Business type of the call.", "业务类型。",
               aliases=("业务类型", "来电类型", "呼叫类型", "type", "call type")),
        Column("is_test", ColumnType.BOOLEAN, "A test call, excluded from sampling and metrics.",
               "测试呼叫，不参与抽样与指标。", aliases=("测试呼叫", "是否测试", "test call")),
        Column("recording_ref", ColumnType.TEXT, "Recording file or id.", "录音文件/编号。",
               aliases=("录音文件", "录音编号", "录音", "recording")),
    ),
    time_column="offered_at",
    natural_key=("interaction_id",),
)

EVALUATIONS = FactFormat(
    name="evaluations",
    title="QA evaluations",
    title_zh="质检记录",
    description="One row per evaluation of one interaction by one evaluator or by auto-QA.",
    description_zh="每次质检一行：一名质检员（或智能质检）对一通通话的评分。",
    columns=(
        Column("evaluation_id", ColumnType.TEXT, "Unique id of the evaluation.", "质检单号。",
               required=True, aliases=("质检单号", "质检编号", "评估编号", "质检ID", "evaluation")),
        interaction_ref(),
        agent_column(),
        Column("scorecard", ColumnType.TEXT, "Scorecard id.", "评分表编号。", required=True,
               aliases=("评分表", "质检表", "考核表", "评分标准", "form")),
        Column("scorecard_version", ColumnType.TEXT, "Scorecard version; the one in force when absent.",
               "评分表版本，缺省为通话日生效的版本。", aliases=("评分表版本", "版本", "version")),
        Column("source", ColumnType.CHOICE, "Who evaluated: internal QA, the carrier, a mystery shopper, auto-QA.",
               "质检来源：内部、运营商、神秘客户、智能质检。", required=True,
               aliases=("质检来源", "来源", "质检类型", "evaluation source"), choices=SOURCE_CHOICES),
        Column("evaluator", ColumnType.TEXT, "Evaluator's id.", "质检员。",
               aliases=("质检员", "评估人", "质检人", "评分人", "reviewer")),
        Column("call_at", ColumnType.TIMESTAMP, "When the evaluated call took place.", "被检通话时间。",
               aliases=("通话时间", "被检通话时间", "call time")),
        Column("evaluated_at", ColumnType.TIMESTAMP, "When the evaluation was made.", "质检时间。",
               required=True, aliases=("质检时间", "评估时间", "评分时间", "review time")),
        Column("score", ColumnType.DECIMAL, "Total score as exported (recomputed from items when present).",
               "总分（有明细时按明细重算）。", unit="points",
               aliases=("得分", "质检得分", "总分", "分数", "成绩")),
        Column("fatal", ColumnType.BOOLEAN, "A fatal error was found (R4).", "是否致命错误（R4）。",
               aliases=("致命错误", "是否致命", "致命", "fatal error")),
        Column("comment", ColumnType.TEXT, "Evaluator's comment.", "评语。",
               aliases=("评语", "备注", "质检意见", "comments")),
    ),
    time_column="call_at",
    time_fallback="evaluated_at",
    natural_key=("evaluation_id",),
)

EVALUATION_ITEMS = FactFormat(
    name="evaluation_items",
    title="QA evaluation items",
    title_zh="质检明细",
    description="One row per scorecard item of an evaluation.",
    description_zh="每次质检的每个评分项一行。",
    columns=(
        Column("evaluation_id", ColumnType.TEXT, "The evaluation this item belongs to.", "所属质检单号。",
               required=True, aliases=("质检单号", "质检编号", "评估编号", "质检ID")),
        Column("item_id", ColumnType.TEXT, "Scorecard item id.", "评分项编号。", required=True,
               aliases=("评分项", "质检项", "项目编号", "考核项", "item")),
        Column("score", ColumnType.DECIMAL, "Points given for the item.", "该项得分。", unit="points",
               aliases=("得分", "分数", "项目得分")),
        Column("occurrences", ColumnType.INTEGER, "How many times a deduction item occurred (R2).",
               "扣分项发生次数（R2）。", aliases=("次数", "违规次数", "发生次数", "count"), minimum=0),
        Column("not_applicable", ColumnType.BOOLEAN, "Item did not apply to this call (N/A).",
               "不适用。", aliases=("不适用", "na", "n/a")),
        Column("fatal", ColumnType.BOOLEAN, "Fatal error on this item.", "该项为致命错误。",
               aliases=("致命错误", "致命")),
        Column("serious", ColumnType.BOOLEAN, "Serious, or caused a complaint: the multiplier applies (R2).",
               "情节严重或引起投诉，加倍扣罚（R2）。", aliases=("严重", "情节严重", "加倍")),
        Column("comment", ColumnType.TEXT, "Comment on the item.", "备注。", aliases=("备注", "说明")),
    ),
    natural_key=("evaluation_id", "item_id"),
    agent_column=None,
)

SURVEYS = FactFormat(
    name="surveys",
    title="Customer surveys",
    title_zh="满意度调查",
    description=(
        "One row per answered survey question: CSAT on any scale, NPS 0–10, or a rating per "
        "handled question (R8: very satisfied 3 … dissatisfied −1 to −3)."
    ),
    description_zh="每个已回答的调查问题一行：任意量表的满意度、NPS（0–10）或按问题评价（R8）。",
    columns=(
        Column("survey_id", ColumnType.TEXT, "Survey response id.", "调查编号。", required=True,
               aliases=("调查编号", "问卷编号", "评价编号", "survey")),
        interaction_ref(),
        agent_column(),
        Column("answered_at", ColumnType.TIMESTAMP, "When the customer answered.", "评价时间。",
               required=True, aliases=("评价时间", "调查时间", "回访时间", "time")),
        Column("kind", ColumnType.CHOICE, "csat, nps or question; csat when absent.",
               "类型：满意度、NPS、按问题评价，缺省为满意度。", aliases=("类型", "调查类型"),
               choices=(Choice("csat", "满意度", ("满意度评价",)), Choice("nps", "净推荐值", ("推荐",)),
                        Choice("question", "问题评价", ("按问题",)))),
        Column("question", ColumnType.TEXT, "Question asked; empty for a single-question survey.",
               "问题，单题调查为空。", aliases=("问题", "题目", "评价项")),
        Column("rating", ColumnType.DECIMAL, "The answer, on the survey's own scale.", "评分（原量表）。",
               required=True, aliases=("评分", "满意度", "分数", "得分", "score")),
        Column("scale_min", ColumnType.DECIMAL, "Lowest possible rating (e.g. 1, 0 or −3).",
               "量表最低分。", aliases=("最低分", "量表下限")),
        Column("scale_max", ColumnType.DECIMAL, "Highest possible rating (e.g. 5, 10 or 3).",
               "量表最高分。", aliases=("最高分", "量表上限")),
    ),
    time_column="answered_at",
    natural_key=("survey_id", "question"),
)

ABSENCE_CHOICES = (
    Choice("none", "无", ("正常", "出勤", "")),
    Choice("sick", "病假", ()),
    Choice("personal", "事假", ()),
    Choice("annual", "年假", ("年休假", "带薪假")),
    Choice("marriage", "婚假", ()),
    Choice("funeral", "丧假", ()),
    Choice("maternity", "产假", ("陪产假", "育儿假")),
    Choice("unexcused", "旷工", ("无故缺勤",)),
    Choice("other", "其他", ("调休",)),
)

ATTENDANCE = FactFormat(
    name="attendance",
    title="Attendance",
    title_zh="考勤",
    description="One row per agent per scheduled day.",
    description_zh="每名坐席每个排班日一行。",
    columns=(
        agent_column(),
        Column("date", ColumnType.DATE, "The day.", "日期。", required=True,
               aliases=("日期", "考勤日期", "排班日期", "day")),
        Column("scheduled_hours", ColumnType.DECIMAL, "Hours scheduled.", "排班时长。", unit="h",
               aliases=("排班时长", "应出勤时长", "计划工时", "scheduled")),
        Column("worked_hours", ColumnType.DECIMAL, "Hours worked.", "实际出勤时长。", unit="h",
               aliases=("出勤时长", "实际工时", "工时", "在线时长", "worked")),
        Column("late_minutes", ColumnType.INTEGER, "Minutes late.", "迟到分钟。", unit="min",
               aliases=("迟到分钟", "迟到时长", "迟到", "late"), minimum=0),
        Column("early_leave_minutes", ColumnType.INTEGER, "Minutes left early.", "早退分钟。",
               unit="min", aliases=("早退分钟", "早退时长", "早退", "early leave"), minimum=0),
        Column("absence", ColumnType.CHOICE, "Absence or leave type; none when present.",
               "缺勤/请假类型，出勤为无。", aliases=("缺勤类型", "请假类型", "假别", "考勤状态"),
               choices=ABSENCE_CHOICES),
        Column("absence_days", ColumnType.DECIMAL, "Days of absence (0.5 for half a day).",
               "缺勤天数（半天为0.5）。", unit="d", aliases=("缺勤天数", "请假天数", "天数")),
        Column("missed_meeting", ColumnType.BOOLEAN, "Missed the morning meeting (R14).",
               "缺席晨会（R14）。", aliases=("缺席晨会", "未参加晨会", "晨会缺席")),
    ),
    time_column="date",
    natural_key=("agent_id", "date"),
)

INCIDENTS = FactFormat(
    name="incidents",
    title="Incidents",
    title_zh="事件（投诉、表扬、差错、违纪）",
    description="Complaints, praise, errors and misconduct, each with its severity and whether verified.",
    description_zh="投诉、表扬、差错与违纪事件，含严重程度与是否属实。",
    columns=(
        Column("incident_id", ColumnType.TEXT, "Unique id.", "事件编号。", required=True,
               aliases=("事件编号", "编号", "投诉单号", "单号", "incident")),
        agent_column(),
        Column("occurred_at", ColumnType.TIMESTAMP, "When it happened.", "发生时间。", required=True,
               aliases=("发生时间", "时间", "登记时间", "投诉时间", "date")),
        Column("kind", ColumnType.CHOICE, "What kind of incident.", "事件类型。", required=True,
               aliases=("事件类型", "类型", "类别", "type"),
               choices=(
                   Choice("complaint", "投诉", ("客户投诉", "有效投诉")),
                   Choice("attitude_complaint", "态度投诉", ("服务态度投诉",)),
                   Choice("praise", "表扬", ("书面表扬", "感谢信", "好评")),
                   Choice("fraud_order", "诈单", ("虚假工单", "fraud")),
                   Choice("business_error", "业务差错", ("业务错误",)),
                   Choice("tariff_error", "资费差错", ("资费错误",)),
                   Choice("sms_error", "短信差错", ("短信错误",)),
                   Choice("falsified_record", "虚假记录", ("弄虚作假", "记录造假")),
                   Choice("discipline", "违纪", ("违反纪律", "纪律")),
                   Choice("data_leak", "泄露客户信息", ("信息泄露", "泄密")),
                   Choice("misconduct", "严重违规", ("辱骂客户", "与客户争吵")),
                   Choice("idea_adopted", "建议采纳", ("合理化建议",)),
                   Choice("other", "其他", ()),
               )),
        Column("source", ColumnType.CHOICE, "Who found or reported it (R15 counts internal and carrier apart).",
               "发现/来源方（R15 内部与运营商分开计）。", aliases=("来源", "发现来源", "投诉渠道"),
               choices=(*SOURCE_CHOICES, Choice("customer", "客户", ("用户", "来电")),
                        Choice("media", "媒体", ("网络", "微博")))),
        Column("severity", ColumnType.CHOICE, "How serious; normal when absent.", "严重程度，缺省为一般。",
               aliases=("严重程度", "级别", "等级"),
               choices=(Choice("minor", "轻微", ("低",)), Choice("normal", "一般", ("中",)),
                        Choice("serious", "严重", ("高",)), Choice("critical", "重大", ("特别严重",)))),
        Column("verified", ColumnType.BOOLEAN, "Verified (有效/属实); unverified incidents do not count.",
               "是否属实（有效），未核实的不计。", aliases=("是否属实", "是否有效", "有效", "属实", "核实")),
        Column("caused_complaint", ColumnType.BOOLEAN, "The error caused a complaint (R2 doubling).",
               "是否引起投诉（R2 加倍）。", aliases=("引起投诉", "是否引起投诉")),
        interaction_ref(),
        Column("description", ColumnType.TEXT, "What happened.", "事件描述。",
               aliases=("描述", "事件描述", "内容", "备注", "details")),
    ),
    time_column="occurred_at",
    natural_key=("incident_id",),
)

WORK_ITEMS = FactFormat(
    name="work_items",
    title="Work items and follow-ups",
    title_zh="工单与回访",
    description="Work orders and follow-ups with their promised and actual times (R9, R10).",
    description_zh="工单与回访任务，含承诺时间与实际完成时间（R9、R10）。",
    columns=(
        Column("work_item_id", ColumnType.TEXT, "Unique id.", "工单号。", required=True,
               aliases=("工单号", "工单编号", "任务编号", "ticket", "ticket id")),
        agent_column(),
        Column("kind", ColumnType.CHOICE, "What kind of work.", "类型。", required=True,
               aliases=("类型", "工单类型", "任务类型"),
               choices=(
                   Choice("follow_up", "回访", ("客户回访", "跟进")),
                   Choice("request", "工单", ("服务请求", "受理")),
                   Choice("callback", "回呼", ("回电",)),
                   Choice("visit", "拜访", ("上门",)),
                   Choice("task", "任务", ("其他任务",)),
               )),
        Column("customer_tier", ColumnType.CHOICE, "Customer tier A/B/C (R10 cadence).",
               "客户等级 A/B/C（R10 回访频次）。", aliases=("客户等级", "客户级别", "等级", "tier"),
               choices=(Choice("A", "A类", ("a级",)), Choice("B", "B类", ("b级",)), Choice("C", "C类", ("c级",)))),
        interaction_ref(),
        Column("created_at", ColumnType.TIMESTAMP, "When the work was created or accepted.", "创建/受理时间。",
               required=True, aliases=("创建时间", "受理时间", "派单时间", "created")),
        Column("due_at", ColumnType.TIMESTAMP, "When it was promised (SLA).", "承诺完成时间。",
               aliases=("承诺时间", "截止时间", "到期时间", "due")),
        Column("done_at", ColumnType.TIMESTAMP, "When it was done; empty if open.", "完成时间，未完成为空。",
               aliases=("完成时间", "结单时间", "回访时间", "closed")),
    ),
    time_column="created_at",
    natural_key=("work_item_id",),
)

KPIS = FactFormat(
    name="kpis",
    title="KPI values",
    title_zh="KPI 指标值",
    description=(
        "Any other measured value per agent and day: typing speed, contracts by class, "
        "collections, star rating, manual reward points…"
    ),
    description_zh="其他按坐席按日的指标值：打字速度、签约数、回款、星级、手工奖励积分等。",
    columns=(
        agent_column(),
        Column("date", ColumnType.DATE, "Day the value belongs to.", "日期。", required=True,
               aliases=("日期", "统计日期", "day")),
        Column("name", ColumnType.TEXT, "KPI name (e.g. typing_speed, contracts_a, star).", "指标名称。",
               required=True, aliases=("指标", "指标名称", "指标名", "kpi", "metric")),
        Column("value", ColumnType.DECIMAL, "The value.", "指标值。", required=True,
               aliases=("值", "指标值", "数值", "value")),
        Column("unit", ColumnType.TEXT, "Unit, for display.", "单位。", aliases=("单位",)),
    ),
    time_column="date",
    natural_key=("agent_id", "date", "name"),
)

TRANSCRIPTS = FactFormat(
    name="transcripts",
    title="Transcripts",
    title_zh="转写文本",
    description=(
        "One JSON object per line: an interaction and its turns. A turn is "
        '{"speaker": "agent"|"customer"|"system", "text": "…", "start_ms": 0, "end_ms": 1200}; '
        "times are optional."
    ),
    description_zh="JSON Lines，每行一个会话及其话轮；话轮含说话人、文本，可选起止毫秒。",
    columns=(
        Column("interaction_id", ColumnType.TEXT, "The call or chat.", "通话或会话编号。", required=True,
               aliases=("通话ID", "会话ID", "session id")),
        agent_column(required=False),
        Column("channel", ColumnType.CHOICE, "Channel; voice when absent.", "渠道。",
               aliases=("渠道",), choices=INTERACTIONS.column("channel").choices),
        Column("started_at", ColumnType.TIMESTAMP, "When the interaction started.", "开始时间。",
               aliases=("开始时间",)),
        Column("language", ColumnType.TEXT, "Language code; zh when absent.", "语言，缺省 zh。",
               aliases=("语言",)),
        Column("turns", ColumnType.TURNS, "The turns, in order.", "话轮，按顺序。", required=True,
               aliases=("话轮", "对话", "messages")),
    ),
    time_column="started_at",
    natural_key=("interaction_id",),
    file_kinds="JSON Lines",
)

AUTOQA_FINDINGS = FactFormat(
    name="autoqa_findings",
    title="Auto-QA findings",
    title_zh="智能质检命中",
    description="What auto-QA found on a transcript, with its evidence (written by `jili autoqa run`).",
    description_zh="智能质检在转写文本上的命中及证据（由 jili autoqa run 生成）。",
    columns=(
        Column("interaction_id", ColumnType.TEXT, "The call or chat.", "通话或会话编号。", required=True,
               aliases=("通话ID", "会话ID")),
        agent_column(required=False),
        Column("pack", ColumnType.TEXT, "Rule pack id.", "规则包。", required=True, aliases=("规则包",)),
        Column("rule_id", ColumnType.TEXT, "Rule id.", "规则编号。", required=True, aliases=("规则", "规则编号")),
        Column("severity", ColumnType.CHOICE, "How serious.", "严重程度。", required=True, aliases=("严重程度",),
               choices=(Choice("info", "提示"), Choice("minor", "轻微"), Choice("major", "严重"), Choice("critical", "重大"))),
        Column("turn", ColumnType.INTEGER, "Turn index (empty: the whole call, e.g. a missing greeting).",
               "话轮序号（为空表示整通，如缺少问候语）。", aliases=("话轮",), minimum=0),
        Column("span_start", ColumnType.INTEGER, "First character of the evidence in the turn.", "证据起始字符。",
               minimum=0),
        Column("span_end", ColumnType.INTEGER, "Character after the evidence.", "证据结束字符。", minimum=0),
        Column("time_ms", ColumnType.INTEGER, "Time of the turn in the call.", "话轮时间（毫秒）。", unit="ms", minimum=0),
        Column("evidence", ColumnType.TEXT, "What was found (sensitive numbers masked).", "证据（敏感号码已脱敏）。",
               aliases=("证据",)),
        Column("item", ColumnType.TEXT, "Scorecard item it may pre-fill.", "可预填的评分项。", aliases=("评分项",)),
        Column("review", ColumnType.BOOLEAN, "Sent to a person for review rather than scored.", "需人工复核。",
               aliases=("人工复核",)),
        Column("checked_at", ColumnType.TIMESTAMP, "When the check ran (places the finding in a period).",
               "检查时间。", required=True, aliases=("检查时间",)),
    ),
    time_column="checked_at",
    natural_key=("pack", "interaction_id", "rule_id", "turn", "span_start"),
)

AUTOQA_SCORES = FactFormat(
    name="autoqa_scores",
    title="Auto-QA scores",
    title_zh="智能质检评分",
    description="Each checked call's two scores, 0–100 with 90 % intervals (written by `jili autoqa run`): `agent_score` "
                "is the agent's part, read from the agent's turns only — the one to judge an agent by; `score` is the "
                "predicted satisfaction, which also depends on why the customer called and how angry they were.",
    description_zh="每通已检查通话的两个分数（0–100，含 90% 区间，由 jili autoqa run 生成）：agent_score 为坐席表现，"
                   "只依据坐席的话轮，评价坐席应使用此项；score 为预测满意度，还取决于客户来电原因和情绪。",
    columns=(
        Column("interaction_id", ColumnType.TEXT, "The call or chat.", "通话或会话编号。", required=True,
               aliases=("通话ID", "会话ID")),
        agent_column(required=False),
        Column("call_at", ColumnType.TIMESTAMP, "When the call started (places the score in a period).", "通话开始时间。",
               required=True, aliases=("通话时间",)),
        Column("model", ColumnType.TEXT, "The models that scored it.", "评分模型。", required=True, aliases=("模型",)),
        Column("agent_score", ColumnType.DECIMAL, "The agent's part, 0–100 (higher is better).", "坐席表现分（0–100）。",
               unit="points", required=True, aliases=("坐席表现分",), minimum=0, maximum=100),
        Column("agent_low", ColumnType.DECIMAL, "Its 90 % interval, lower end.", "其 90% 区间下限。", unit="points"),
        Column("agent_high", ColumnType.DECIMAL, "Its 90 % interval, upper end.", "其 90% 区间上限。", unit="points"),
        Column("score", ColumnType.DECIMAL, "Predicted satisfaction, 0–100.", "预测满意度（0–100）。", unit="points",
               aliases=("预测满意度",), minimum=0, maximum=100),
        Column("score_low", ColumnType.DECIMAL, "Its 90 % interval, lower end.", "其 90% 区间下限。", unit="points"),
        Column("score_high", ColumnType.DECIMAL, "Its 90 % interval, upper end.", "其 90% 区间上限。", unit="points"),
    ),
    time_column="call_at",
    natural_key=("model", "interaction_id"),
)

FORMATS: dict[str, FactFormat] = {
    f.name: f
    for f in (ROSTER, INTERACTIONS, EVALUATIONS, EVALUATION_ITEMS, SURVEYS, ATTENDANCE,
              INCIDENTS, WORK_ITEMS, KPIS, TRANSCRIPTS, AUTOQA_FINDINGS, AUTOQA_SCORES)
}

TURN_SPEAKERS = ("agent", "customer", "system")
