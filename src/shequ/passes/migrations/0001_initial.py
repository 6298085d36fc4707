"""Pass, taken over from gates (issue 11): the table is the one gates 0005 renamed to passes_pass,
with its rows; this migration changes the state only."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('gates', '0005_pass_and_exit_quota_tables_move'),
        ('registry', '0002_person_phone_index'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Pass',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('code', models.CharField(max_length=24, unique=True)),
                        ('issued_at', models.DateTimeField(auto_now_add=True, verbose_name='issued')),
                        ('revoked_at', models.DateTimeField(blank=True, null=True, verbose_name='revoked')),
                        ('community', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='registry.community')),
                        ('issued_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='passes', to='registry.person', verbose_name='person')),
                    ],
                    options={
                        'verbose_name': 'pass',
                        'verbose_name_plural': 'passes',
                        'constraints': [models.UniqueConstraint(condition=models.Q(('revoked_at__isnull', True)), fields=('person',), name='pass_one_active_per_person')],
                    },
                ),
            ],
        ),
    ]
