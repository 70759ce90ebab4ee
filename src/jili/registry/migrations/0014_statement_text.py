from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0013_run_policy_head'),
    ]

    operations = [
        migrations.AlterField(
            model_name='statementrecord',
            name='data',
            field=models.TextField(help_text="the statement's JSON as text (core.statement.statement_to_text): read by orjson, several times faster than a JSON column decoded by json"),
        ),
    ]
