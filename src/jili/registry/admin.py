"""The Django admin: a window on the registry. Periods, runs, postings, statements, standings, the
audit trail and accounts are read-only here — every change to them goes through a ``do_*`` action,
which writes its audit row (an admin cannot reopen a closed period behind the ledger's back)."""

from django.contrib import admin
from django.http import HttpRequest

from jili.registry import models


class NoWrites:
    """Nothing is added, changed or deleted here (for a model admin and an inline alike)."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnly(NoWrites, admin.ModelAdmin):
    pass


@admin.register(models.ImportBatch)
class ImportBatchAdmin(ReadOnly):
    list_display = ("id", "fact", "source_name", "rows", "status", "imported_at", "imported_by")
    list_filter = ("fact", "status")


class SpellInline(NoWrites, admin.TabularInline):
    model = models.AgentSpell
    extra = 0


@admin.register(models.Agent)
class AgentAdmin(ReadOnly):
    list_display = ("agent_id", "name")
    search_fields = ("agent_id", "name")
    inlines = [SpellInline]


@admin.register(models.Period)
class PeriodAdmin(ReadOnly):
    list_display = ("label", "kind", "status", "closed_at", "closed_by")


@admin.register(models.PolicyRun)
class PolicyRunAdmin(ReadOnly):
    list_display = ("id", "policy_id", "policy_version", "period", "status", "agents", "started_at", "started_by")
    list_filter = ("status", "policy_id")


@admin.register(models.Posting)
class PostingAdmin(ReadOnly):
    list_display = ("id", "period", "policy_id", "rule_id", "agent_id", "account", "amount", "kind", "created_by")
    search_fields = ("agent_id",)


@admin.register(models.AuditEvent)
class AuditEventAdmin(ReadOnly):
    list_display = ("at", "actor", "action", "target")
    list_filter = ("action",)


@admin.register(models.Account)
class AccountAdmin(ReadOnly):
    list_display = ("user", "role", "agent")
    list_filter = ("role",)


admin.site.register(models.Site)
admin.site.register(models.Team)
