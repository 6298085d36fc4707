# The gate roster (gates.Shift, gates.DutyAssignment) leaves gates once workforce holds its rows.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('gates', '0006_pass_and_exit_quota_leave_gates'),
        ('workforce', '0002_gate_roster_into_posts'),
    ]

    operations = [
        migrations.DeleteModel(
            name='DutyAssignment',
        ),
        migrations.DeleteModel(
            name='Shift',
        ),
    ]
