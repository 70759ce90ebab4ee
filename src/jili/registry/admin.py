from django.contrib import admin

from jili.registry import models


@admin.register(models.ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ("id", "fact", "source_name", "rows", "status", "imported_at", "imported_by")
    list_filter = ("fact", "status")
    readonly_fields = [f.name for f in models.ImportBatch._meta.fields]


class SpellInline(admin.TabularInline):
    model = models.AgentSpell
    extra = 0


@admin.register(models.Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("agent_id", "name")
    search_fields = ("agent_id", "name")
    inlines = [SpellInline]


admin.site.register(models.Site)
admin.site.register(models.Team)
admin.site.register(models.Period)
admin.site.register(models.AuditEvent)
