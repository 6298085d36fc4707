"""The gate roster becomes posts of kind "gate": every gate gets its post (one person per shift),
every gates.Shift becomes a workforce.Shift of the same community (same id, name and times), every
gates.DutyAssignment a workforce.Assignment at the gate's post (same id, shift, day and person).
Ids are kept so that audit events that name a duty or a shift still point at it; the sequences are
moved past them on PostgreSQL. Backwards, gate duties go back to the roster tables."""

from django.core.management.color import no_style
from django.db import migrations

BATCH = 2000


def _reset_sequences(connection, models):
    if connection.vendor != "postgresql":
        return  # SQLite takes the next id from the table's highest
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def forwards(apps, schema_editor):
    Gate = apps.get_model("gates", "Gate")
    OldShift = apps.get_model("gates", "Shift")
    OldDuty = apps.get_model("gates", "DutyAssignment")
    Post = apps.get_model("workforce", "Post")
    Shift = apps.get_model("workforce", "Shift")
    Assignment = apps.get_model("workforce", "Assignment")
    posts = [Post(community_id=g.community_id, kind="gate", gate_id=g.pk, name=f"{g.compound.name} {g.name}"[:80],
                  needed=1)
             for g in Gate.objects.select_related("compound").order_by("id")]
    Post.objects.bulk_create(posts, batch_size=BATCH)
    post_of = dict(Post.objects.values_list("gate_id", "id"))
    Shift.objects.bulk_create([Shift(id=s.pk, community_id=s.community_id, name=s.name, starts=s.starts, ends=s.ends)
                               for s in OldShift.objects.order_by("id")], batch_size=BATCH)
    rows = OldDuty.objects.order_by("id").values_list("id", "community_id", "gate_id", "shift_id", "date", "guard_id")
    batch = []
    for pk, community_id, gate_id, shift_id, date, guard_id in rows.iterator(chunk_size=BATCH):
        batch.append(Assignment(id=pk, community_id=community_id, post_id=post_of[gate_id], shift_id=shift_id,
                                date=date, user_id=guard_id))
        if len(batch) >= BATCH:
            Assignment.objects.bulk_create(batch)
            batch = []
    Assignment.objects.bulk_create(batch)
    _reset_sequences(schema_editor.connection, [Shift, Assignment])


def backwards(apps, schema_editor):
    OldShift = apps.get_model("gates", "Shift")
    OldDuty = apps.get_model("gates", "DutyAssignment")
    Shift = apps.get_model("workforce", "Shift")
    Assignment = apps.get_model("workforce", "Assignment")
    OldShift.objects.bulk_create([OldShift(id=s.pk, community_id=s.community_id, name=s.name, starts=s.starts,
                                           ends=s.ends) for s in Shift.objects.order_by("id")], batch_size=BATCH)
    OldDuty.objects.bulk_create([
        OldDuty(id=a.pk, community_id=a.community_id, gate_id=a.post.gate_id, shift_id=a.shift_id, date=a.date,
                guard_id=a.user_id)
        for a in Assignment.objects.filter(post__gate__isnull=False).select_related("post").order_by("id")
    ], batch_size=BATCH, ignore_conflicts=True)
    Assignment.objects.all().delete()
    Shift.objects.all().delete()
    apps.get_model("workforce", "Post").objects.all().delete()
    _reset_sequences(schema_editor.connection, [OldShift, OldDuty])


class Migration(migrations.Migration):

    dependencies = [
        ("workforce", "0001_initial"),
        ("gates", "0006_pass_and_exit_quota_leave_gates"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
