"""Make the access log append-only in the database itself (NEN 7513), not only in Python.

PostgreSQL: a trigger refuses UPDATE and DELETE row by row, another refuses TRUNCATE.
SQLite: triggers refuse UPDATE and DELETE. A superuser can still drop a trigger; that is an
operational matter documented in docs/security.md (run the app as a role that does not own
the tables in high-assurance deployments).
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_accesslog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_accesslogentry is append-only (NEN 7513): % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_accesslogentry_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION audit_accesslog_append_only();
CREATE TRIGGER audit_accesslogentry_no_truncate
    BEFORE TRUNCATE ON audit_accesslogentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_accesslog_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS audit_accesslogentry_no_update_delete ON audit_accesslogentry;
DROP TRIGGER IF EXISTS audit_accesslogentry_no_truncate ON audit_accesslogentry;
DROP FUNCTION IF EXISTS audit_accesslog_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER audit_accesslogentry_no_update BEFORE UPDATE ON audit_accesslogentry
       BEGIN SELECT RAISE(ABORT, 'audit_accesslogentry is append-only (NEN 7513)'); END;""",
    """CREATE TRIGGER audit_accesslogentry_no_delete BEFORE DELETE ON audit_accesslogentry
       BEGIN SELECT RAISE(ABORT, 'audit_accesslogentry is append-only (NEN 7513)'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_accesslogentry_no_update;",
    "DROP TRIGGER IF EXISTS audit_accesslogentry_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)  # no params: the % in RAISE is not a placeholder
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse, elidable=False)]
