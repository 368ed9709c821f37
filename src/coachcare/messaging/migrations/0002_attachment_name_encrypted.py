"""Encrypt attachment file names (a file name can tell what the file is about)."""

from typing import Any

from django.db import migrations, models

import coachcare.core.fields


def encrypt_names(apps: Any, schema_editor: Any) -> None:
    from coachcare.core.fields import encrypt_text

    Attachment = apps.get_model("messaging", "Attachment")
    for pk, name in Attachment.objects.values_list("pk", "original_name").iterator():
        if name:
            Attachment.objects.filter(pk=pk).update(original_name=encrypt_text(name))


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="attachment", name="original_name", field=models.TextField(verbose_name="file name")
        ),
        migrations.RunPython(encrypt_names, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="attachment",
            name="original_name",
            field=coachcare.core.fields.EncryptedTextField(verbose_name="file name"),
        ),
    ]
