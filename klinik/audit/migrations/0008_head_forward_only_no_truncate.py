"""The head row only moves forward, and the log cannot be truncated.

PostgreSQL: a row trigger refuses any update of the head that does not raise its sequence
number (or that changes its id or the sealed legacy prefix) and refuses deleting it; statement
triggers refuse
TRUNCATE of entries and head to every role but the tables' owner. The owner is let through
because it can switch triggers off anyway, and Django's test flush truncates as the owner: the
protection is for the application's role, which must not own the tables (docs/deployment.md).
What the owner or a superuser does is caught by the keyed chain and the witness checkpoints.

SQLite: a trigger refuses a head update that does not move it forward (SQLite has no roles:
whoever can write the file can drop triggers, so there the key and the witness are the guard). The entry table was
rebuilt by 0006 (SQLite adds a NOT NULL column by copying the table), which drops its triggers:
the no-update trigger of 0003 is created again here.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_head_forward_only() RETURNS trigger AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.seq <= OLD.seq OR NEW.legacy_seq <> OLD.legacy_seq
        OR NEW.legacy_seal <> OLD.legacy_seal THEN
        RAISE EXCEPTION 'the access log''s head only moves forward';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION audit_refuse_truncate() RETURNS trigger AS $$
BEGIN
    IF NOT pg_has_role(
        current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'USAGE'
    ) THEN
        RAISE EXCEPTION 'the access log cannot be truncated';
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_chainhead
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward_only();
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_chainhead
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_accesslogentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_chainhead
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_truncate();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS audit_head_forward ON audit_chainhead;
DROP TRIGGER IF EXISTS audit_head_no_delete ON audit_chainhead;
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_accesslogentry;
DROP TRIGGER IF EXISTS audit_head_no_truncate ON audit_chainhead;
DROP FUNCTION IF EXISTS audit_head_forward_only();
DROP FUNCTION IF EXISTS audit_refuse_truncate();
"""
# SQLite runs one statement per execute.
SQLITE_FORWARD = (
    """
    CREATE TRIGGER IF NOT EXISTS audit_entry_no_update BEFORE UPDATE ON audit_accesslogentry
    BEGIN
        SELECT RAISE(ABORT, 'the access log is append-only');
    END;
    """,
    """
    CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_chainhead
    WHEN NEW.id <> OLD.id OR NEW.seq <= OLD.seq OR NEW.legacy_seq <> OLD.legacy_seq
        OR NEW.legacy_seal <> OLD.legacy_seal
    BEGIN
        SELECT RAISE(ABORT, 'the access log''s head only moves forward');
    END;
    """,
)
SQLITE_BACKWARD = ("DROP TRIGGER IF EXISTS audit_head_forward;",)


def forward(apps, schema_editor):
    statements = {"postgresql": (PG_FORWARD,), "sqlite": SQLITE_FORWARD}
    for sql in statements.get(schema_editor.connection.vendor, ()):
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    statements = {"postgresql": (PG_BACKWARD,), "sqlite": SQLITE_BACKWARD}
    for sql in statements.get(schema_editor.connection.vendor, ()):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0007_legacy_prefix_sealed")]
    operations = [migrations.RunPython(forward, backward)]
