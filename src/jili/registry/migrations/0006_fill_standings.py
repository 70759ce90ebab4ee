"""Standings for the runs stored before standings existed, from their statements."""

from django.db import migrations


def fill(apps, schema_editor):
    from jili.core.standing import standings
    from jili.core.statement import statement_from_json

    PolicyRun = apps.get_model("registry", "PolicyRun")
    StatementRecord = apps.get_model("registry", "StatementRecord")
    Standing = apps.get_model("registry", "Standing")
    for run in PolicyRun.objects.all().iterator():
        statements = [statement_from_json(r.data) for r in StatementRecord.objects.filter(run=run)]
        accounts = sorted({a for s in statements for a, _ in s.totals})
        Standing.objects.bulk_create([
            Standing(run=run, account=x.account, agent_id=x.agent_id, name=x.name, team=x.team,
                     total=x.total, places=x.places, place=x.place, eligible=x.eligible, level=x.level, flags=x.flags)
            for x in standings(statements, accounts)], batch_size=5000)


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_site_accounts_standings")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
