from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0011_coaching'),
    ]

    operations = [
        migrations.CreateModel(
            name='CareerStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('agent_id', models.CharField(db_index=True, max_length=64)),
                ('step', models.CharField(help_text='a code of jili.core.ladder.LADDER', max_length=16)),
                ('effective', models.DateField()),
                ('route', models.CharField(choices=[('hire', 'starting step / 起始职级'), ('points', 'through points / 积分晋升'), ('appraisal', 'through the yearly appraisal / 年度考核晋升'), ('manual', 'entered by hand / 人工调整')], max_length=16)),
                ('evidence', models.JSONField(default=dict, help_text='what it rests on, as the proposal said it: {en, zh}')),
                ('decided_by', models.CharField(max_length=150)),
                ('decided_at', models.DateTimeField()),
            ],
            options={
                'verbose_name': 'career step / 职级',
                'ordering': ['agent_id', 'effective', 'id'],
                'constraints': [models.UniqueConstraint(fields=('agent_id', 'effective'), name='one_step_per_agent_day')],
            },
        ),
    ]
