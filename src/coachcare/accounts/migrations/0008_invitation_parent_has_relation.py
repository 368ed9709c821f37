# A separate migration (its own transaction): on PostgreSQL a table with updated rows cannot be
# altered in the transaction that updated them (pending deferred foreign-key triggers).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_invitation_family_member'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='invitation',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('kind', 'ouder'), _negated=True), ('relation__isnull', False), _connector='OR'), name='invitation_parent_has_relation'),
        ),
    ]
