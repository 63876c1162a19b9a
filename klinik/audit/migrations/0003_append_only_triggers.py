"""The database itself refuses changes to access-log entries.

PostgreSQL: row triggers refuse UPDATE and DELETE. SQLite: a trigger refuses UPDATE; DELETE is
refused by the model layer (AppendOnlyQuerySet) and caught by the hash chain, because test
database flushes on SQLite delete rows one table at a time.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only';
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS audit_entry_no_update ON audit_accesslogentry;
DROP TRIGGER IF EXISTS audit_entry_no_delete ON audit_accesslogentry;
DROP FUNCTION IF EXISTS audit_refuse_change();
"""
SQLITE_FORWARD = """
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_accesslogentry
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS audit_entry_no_update;"


def forward(apps, schema_editor):
    sql = {"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    sql = {"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}.get(
        schema_editor.connection.vendor
    )
    if sql:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_links_and_indexes")]
    operations = [migrations.RunPython(forward, backward)]
