"""the database itself refuses changes to the audit trail and request history

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The ORM already refuses; these make the tables refuse too, whatever client writes to them.
TABLES = ('audit_event', 'request_event')


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_history_change()"
            )
    else:
        for table in TABLES:
            for change in ('UPDATE', 'DELETE'):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{change.lower()} BEFORE {change} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute("DROP FUNCTION refuse_history_change()")
    else:
        for table in TABLES:
            for change in ('update', 'delete'):
                op.execute(f"DROP TRIGGER {table}_no_{change}")
