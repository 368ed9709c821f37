from django.db import migrations, models


class Migration(migrations.Migration):
    """The contract's own funding model is gone: each product has one (0006 moved the values).

    The field first gets a default, so that going back can add the column to existing rows (0006's
    backward step then fills in the right value).
    """

    dependencies = [("contracts", "0007_funding_model_from_contract_to_products")]

    operations = [
        migrations.AlterField(
            model_name="contract",
            name="funding_model",
            field=models.CharField(
                choices=[
                    ("per_module", "per module (tariff per module)"),
                    ("population_budget", "population budget (fixed yearly budget)"),
                ],
                default="per_module",
                max_length=20,
                verbose_name="funding model",
            ),
        ),
        migrations.RemoveField(model_name="contract", name="funding_model"),
    ]
