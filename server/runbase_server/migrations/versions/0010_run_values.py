"""run_values: the numbers and strings of runs' config and summary by top-level key, kept by triggers,
so filters find runs by an index instead of reading every run's JSON

The triggers extract with the database's own JSON functions, the ones filters.py's exact predicates use,
so the values indexed are the values those predicates compare. Existing runs are filled in here.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

KEY_PREFIX = 200  # tables.VALUE_KEY_PREFIX, as it was when this was written
TEXT_PREFIX = 256  # tables.VALUE_TEXT_PREFIX
DOCUMENTS = {"config": 0, "summary": 1}  # tables.DOCUMENT_CODES
COLUMNS = "run_id, project_id, doc, key, num, txt"

# SQLite: a stored infinity is {"$float": "Infinity"}, which filters read by that key (filters._SqliteJson.is_tag).
_SQLITE_TAG = """json_extract({v}.value, '$."$float"')"""
_SQLITE_NUM = (f"CASE WHEN {{v}}.type IN ('integer', 'real') THEN {{v}}.atom "
               f"WHEN {{v}}.type = 'object' THEN CASE {_SQLITE_TAG} WHEN 'Infinity' THEN 9e999 "
               f"WHEN '-Infinity' THEN -9e999 END END")
_SQLITE_TXT = f"CASE WHEN {{v}}.type = 'text' THEN substr({{v}}.atom, 1, {TEXT_PREFIX}) END"
_SQLITE_KEEP = f"(({_SQLITE_NUM}) IS NOT NULL OR {{v}}.type = 'text')"


def _sqlite_fill(row: str, column: str, source: str) -> list[str]:
    """INSERTs of the values of `row`.`column` (`row` is NEW in a trigger, or runs read from `source`): the
    top-level values, then the elements of top-level arrays."""
    doc = DOCUMENTS[column]
    head = f"INSERT INTO run_values ({COLUMNS}) SELECT {row}.id, {row}.project_id, {doc}, substr(t.key, 1, {KEY_PREFIX}), "
    scalars = (head + f"{_SQLITE_NUM.format(v='t')}, {_SQLITE_TXT.format(v='t')} FROM {source}json_each({row}.{column}) AS t "
               f"WHERE json_type({row}.{column}) = 'object' AND {_SQLITE_KEEP.format(v='t')}")
    elements = (head + f"{_SQLITE_NUM.format(v='e')}, {_SQLITE_TXT.format(v='e')} FROM {source}json_each({row}.{column}) AS t, "
                f"json_each(CASE WHEN t.type = 'array' THEN t.value ELSE '[]' END) AS e WHERE json_type({row}.{column}) = 'object' AND t.type = 'array' "
                f"AND {_SQLITE_KEEP.format(v='e')}")
    return [scalars, elements]


# PostgreSQL: numeric to double, with what a double can't hold rounded as a double would be (the cast refuses it).
_PG_FUNCTIONS = f"""
CREATE FUNCTION runbase_value_num(value jsonb) RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE jsonb_typeof(value)
    WHEN 'number' THEN CASE
      WHEN value::numeric > 1.7976931348623157e308 THEN 'Infinity'::double precision
      WHEN value::numeric < -1.7976931348623157e308 THEN '-Infinity'::double precision
      WHEN abs(value::numeric) < 1e-323 THEN 0::double precision
      ELSE value::numeric::double precision END
    WHEN 'object' THEN CASE value -> '$float' WHEN '"Infinity"' THEN 'Infinity'::double precision
      WHEN '"-Infinity"' THEN '-Infinity'::double precision END
  END
$$;
CREATE FUNCTION runbase_fill_values(run integer, project integer, code smallint, document jsonb) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO run_values ({COLUMNS})
  SELECT run, project, code, left(v.key, {KEY_PREFIX}), runbase_value_num(v.value),
         CASE WHEN jsonb_typeof(v.value) = 'string' THEN left(v.value #>> '{{}}', {TEXT_PREFIX}) END
  FROM (SELECT t.key, t.value FROM jsonb_each(CASE WHEN jsonb_typeof(document) = 'object' THEN document
                                               ELSE '{{}}'::jsonb END) AS t
        UNION ALL
        SELECT t.key, e.value FROM jsonb_each(CASE WHEN jsonb_typeof(document) = 'object' THEN document
                                               ELSE '{{}}'::jsonb END) AS t,
             jsonb_array_elements(CASE WHEN jsonb_typeof(t.value) = 'array' THEN t.value ELSE '[]'::jsonb END) AS e
       ) AS v
  WHERE runbase_value_num(v.value) IS NOT NULL OR jsonb_typeof(v.value) = 'string'
$$;
CREATE FUNCTION runbase_run_values() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.project_id IS DISTINCT FROM OLD.project_id THEN
    UPDATE run_values SET project_id = NEW.project_id WHERE run_id = NEW.id;
  END IF;
  IF TG_OP = 'INSERT' OR NEW.config IS DISTINCT FROM OLD.config THEN
    IF TG_OP = 'UPDATE' THEN DELETE FROM run_values WHERE run_id = NEW.id AND doc = 0; END IF;
    PERFORM runbase_fill_values(NEW.id, NEW.project_id, 0::smallint, NEW.config);
  END IF;
  IF TG_OP = 'INSERT' OR NEW.summary IS DISTINCT FROM OLD.summary THEN
    IF TG_OP = 'UPDATE' THEN DELETE FROM run_values WHERE run_id = NEW.id AND doc = 1; END IF;
    PERFORM runbase_fill_values(NEW.id, NEW.project_id, 1::smallint, NEW.summary);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER runs_values AFTER INSERT OR UPDATE OF config, summary, project_id ON runs
FOR EACH ROW EXECUTE FUNCTION runbase_run_values();
"""


def _sqlite_triggers() -> list[str]:
    fills = {column: "; ".join(_sqlite_fill("NEW", column, "")) for column in DOCUMENTS}
    return [
        f"CREATE TRIGGER runs_values_insert AFTER INSERT ON runs BEGIN {fills['config']}; {fills['summary']}; END",
        *(f"CREATE TRIGGER runs_values_{column} AFTER UPDATE OF {column} ON runs "
          f"WHEN NEW.{column} IS NOT OLD.{column} BEGIN "
          f"DELETE FROM run_values WHERE run_id = NEW.id AND doc = {doc}; {fills[column]}; END"
          for column, doc in DOCUMENTS.items()),
        "CREATE TRIGGER runs_values_project AFTER UPDATE OF project_id ON runs "
        "WHEN NEW.project_id IS NOT OLD.project_id BEGIN "
        "UPDATE run_values SET project_id = NEW.project_id WHERE run_id = NEW.id; END",
    ]


def upgrade() -> None:
    op.create_table('run_values',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('doc', sa.SmallInteger(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('num', sa.Float(), nullable=True),
    sa.Column('txt', sa.Text().with_variant(sa.Text(collation='C'), 'postgresql'), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['runs.id'], ondelete='CASCADE'),
    )
    op.create_index('ix_run_values_run', 'run_values', ['run_id', 'doc'])
    for column in ('num', 'txt'):
        where = sa.text(f'{column} IS NOT NULL')
        op.create_index(f'ix_run_values_{column}', 'run_values', ['project_id', 'doc', 'key', column, 'run_id'],
                        sqlite_where=where, postgresql_where=where)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(_PG_FUNCTIONS)
        for column, doc in DOCUMENTS.items():
            op.execute(f"SELECT runbase_fill_values(id, project_id, {doc}::smallint, {column}) FROM runs")
    else:
        for statement in _sqlite_triggers():
            op.execute(statement)
        for column in DOCUMENTS:
            for statement in _sqlite_fill("runs", column, "runs, "):
                op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER runs_values ON runs")
        op.execute("DROP FUNCTION runbase_run_values(); DROP FUNCTION runbase_fill_values(integer, integer, smallint, "
                   "jsonb); DROP FUNCTION runbase_value_num(jsonb)")
    else:
        for name in ("insert", "config", "summary", "project"):
            op.execute(f"DROP TRIGGER runs_values_{name}")
    op.drop_table('run_values')
