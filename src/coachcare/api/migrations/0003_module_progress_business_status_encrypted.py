"""Encrypt the business status an external module reports (free text about the young person's
progress), like other clinical free text; no length cut any more (the service refuses > 200)."""

from typing import Any

from django.db import migrations, models

import coachcare.core.fields


def encrypt_business_status(apps: Any, schema_editor: Any) -> None:
    from coachcare.core.fields import encrypt_text

    ModuleProgress = apps.get_model("api", "ModuleProgress")
    for pk, text in ModuleProgress.objects.values_list("pk", "business_status").iterator():
        if text:
            ModuleProgress.objects.filter(pk=pk).update(business_status=encrypt_text(text))


class Migration(migrations.Migration):
    dependencies = [("api", "0002_module_vendor_account")]

    operations = [
        migrations.AlterField(
            model_name="moduleprogress",
            name="business_status",
            field=models.TextField(blank=True, verbose_name="business status"),
        ),
        migrations.RunPython(encrypt_business_status, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="moduleprogress",
            name="business_status",
            field=coachcare.core.fields.EncryptedTextField(blank=True, verbose_name="business status"),
        ),
    ]
