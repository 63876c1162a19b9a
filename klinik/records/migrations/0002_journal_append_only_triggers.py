"""The database itself refuses changes to saved journal entries and their signatures.

PostgreSQL: row triggers refuse UPDATE and DELETE. SQLite: triggers refuse UPDATE; DELETE is
refused by the model layer (ImmutableModel), because test database flushes on SQLite delete
rows table by table (PostgreSQL flushes with TRUNCATE, which row triggers do not see).
"""

from django.db import migrations

TABLES = ("records_journalentry", "records_journalsignature")

PG_FORWARD = """
CREATE OR REPLACE FUNCTION records_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'journal entries are never changed or deleted; write a correction'
        USING ERRCODE = 'integrity_constraint_violation';
END
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
    FOR EACH ROW EXECUTE FUNCTION records_refuse_change();
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION records_refuse_change();
"""
    for table in TABLES
)
PG_BACKWARD = "".join(
    f"DROP TRIGGER IF EXISTS {table}_no_update ON {table};"
    f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table};"
    for table in TABLES
) + "DROP FUNCTION IF EXISTS records_refuse_change();"
SQLITE_FORWARD = [
    f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
BEGIN
    SELECT RAISE(ABORT, 'journal entries are never changed or deleted; write a correction');
END;
"""
    for table in TABLES
]
SQLITE_BACKWARD = [f"DROP TRIGGER IF EXISTS {table}_no_update;" for table in TABLES]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("records", "0001_records")]
    operations = [migrations.RunPython(forward, backward)]
