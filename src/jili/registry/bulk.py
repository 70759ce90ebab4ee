"""Writing many rows of one model at once: one prepared INSERT, each distinct value prepared once.

A run stores about 140,000 rows at 10,000 agents (postings, statements, standings). Django's ``bulk_create``
builds a model instance for each and prepares every value of every instance through its field: a quarter of
the close. Here the INSERT's text comes from Django's own SQL compiler, once, for one row; a value that repeats
down a column (the run, the period, the account, the time of the run) is prepared once; the rows go to the
database through the cursor's ``executemany`` in chunks. What is stored is what ``bulk_create`` stores
(``tests/test_bulk.py`` compares them on both databases)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice

from django.db import connections, models
from django.db.models.sql import InsertQuery

CHUNK = 5000


def insert_rows(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[object]],
                using: str = "default") -> int:
    """Insert ``rows`` (values in the order of ``columns``, field names; a foreign key by its key) into ``model``'s
    table; every other field takes its default. Returns how many rows were written. Runs inside the caller's
    transaction."""
    meta = model._meta
    given = [meta.get_field(name) for name in columns]
    rest = [f for f in meta.concrete_fields if f not in given and not isinstance(f, models.AutoField)]
    connection = connections[using]
    defaults = [f.get_default() for f in rest]
    prepared_defaults = [f.get_db_prep_save(d, connection) for f, d in zip(rest, defaults, strict=True)]
    # a column's prepared values by value; none for decimals (1.0 == 1.00, written as given) and JSON (lists)
    caches: list[dict[object, object] | None] = [
        None if isinstance(f, models.DecimalField | models.JSONField) else {} for f in given]
    written = 0
    it = iter(rows)
    sql = None
    with connection.cursor() as cursor:
        while chunk := list(islice(it, CHUNK)):
            sql = sql or _insert_sql(model, given + rest, [*chunk[0], *defaults], using)
            prepared = []
            for row in chunk:
                values = []
                for field, value, cache in zip(given, row, caches, strict=True):
                    if cache is None:
                        values.append(field.get_db_prep_save(value, connection))
                        continue
                    try:
                        values.append(cache[value])  # most values repeat: one lookup when they do
                    except KeyError:
                        values.append(cache.setdefault(value, field.get_db_prep_save(value, connection)))
                values.extend(prepared_defaults)
                prepared.append(values)
            cursor.executemany(sql, prepared)
            written += len(chunk)
    return written


def _insert_sql(model: type[models.Model], fields: list[models.Field], first: list[object], using: str) -> str:
    """The INSERT of one row of ``fields``, as Django's compiler writes it for this database."""
    query = InsertQuery(model)
    query.insert_values(fields, [model(**{f.attname: v for f, v in zip(fields, first, strict=True)})])
    [(sql, _)] = query.get_compiler(using=using).as_sql()
    return sql
