from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0012_career_ladder'),
    ]

    operations = [
        migrations.AddField(
            model_name='policyrun',
            name='policy_head',
            field=models.JSONField(default=dict, help_text='what reading the results needs of the policy: name, version and accounts (jili.core.policy_head)'),
        ),
    ]
