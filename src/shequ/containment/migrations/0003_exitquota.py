"""ExitQuota, taken over from gates (issue 11): the table is the one gates 0005 renamed to
containment_exitquota, with its rows; this migration changes the state only."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('gates', '0005_pass_and_exit_quota_tables_move'),
        ('containment', '0002_permit'),
        ('registry', '0002_person_phone_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ExitQuota',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('persons', models.PositiveSmallIntegerField(default=1, verbose_name='exits per household')),
                        ('days', models.PositiveSmallIntegerField(default=2, verbose_name='every so many days')),
                        ('starts_at', models.DateTimeField(verbose_name='starts')),
                        ('ends_at', models.DateTimeField(blank=True, null=True, verbose_name='ends')),
                        ('community', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='registry.community')),
                        ('compound', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exit_quotas', to='registry.compound', verbose_name='compound')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'exit quota',
                        'verbose_name_plural': 'exit quotas',
                        'constraints': [models.CheckConstraint(condition=models.Q(('persons__gte', 1), ('days__gte', 1)), name='exit_quota_positive')],
                    },
                ),
            ],
        ),
    ]
