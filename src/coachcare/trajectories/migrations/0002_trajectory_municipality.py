"""Trajectory.municipality: the young person's municipality at referral, copied from the client.

Added nullable, filled from the clients in one UPDATE, then made required; the index serves the
counts per municipality and status (API indicators).
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_municipality(apps, schema_editor):  # type: ignore[no-untyped-def]
    Trajectory = apps.get_model("trajectories", "Trajectory")
    Client = apps.get_model("clients", "Client")
    Trajectory.objects.update(
        municipality_id=Subquery(Client.objects.filter(pk=OuterRef("client_id")).values("municipality_id")[:1])
    )


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0001_initial"),
        ("municipalities", "0001_initial"),
        ("trajectories", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="trajectory",
            name="municipality",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="municipalities.municipality",
                verbose_name="municipality",
            ),
        ),
        migrations.RunPython(copy_municipality, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="trajectory",
            name="municipality",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="municipalities.municipality",
                verbose_name="municipality",
            ),
        ),
        migrations.AddIndex(
            model_name="trajectory",
            index=models.Index(fields=["municipality", "status"], name="trajectory_municipality_idx"),
        ),
    ]
