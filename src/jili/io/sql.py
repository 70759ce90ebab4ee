"""The one place SQL text is made: a sqlglot tree rendered for a dialect, every identifier quoted.

The plans (``jili.core.plan``) are written once, in DuckDB's terms. Two of their constructs have no
spelling that both engines read the same way, so for Spark the tree (never the text) is rewritten
before it is rendered:

- an ordered list cut to its first items, ``list(x ORDER BY a, b)[1:20]``: sqlglot would render
  ``collect_list(x)[1:20]``, which Spark rejects and which would drop the order. Spark collects
  structs of the sort keys and the item, sorts them, slices, and keeps the item;
- a continuous percentile, ``quantile_cont(x, q)``: Spark's exact ``percentile(x, q)`` interpolates
  the same way (``percentile_cont`` there wants ``WITHIN GROUP``).

Everything else sqlglot renders for both: a wall-clock time in a zone (``AT TIME ZONE`` /
``from_utc_timestamp`` with the session in UTC), ``date_trunc``, ``FILTER``, ``GROUPING SETS``, and
division by zero, which the plans already turn into null with ``NULLIF``."""

from __future__ import annotations

from sqlglot import exp

from jili.core.sqltree import fill, shape, tree

DUCKDB = "duckdb"
SPARK = "spark"

_SPARK_FIRST = shape("transform(slice(array_sort(collect_list(:item)), :start, :length), x -> x.v)")


def render(tree: exp.Expression, dialect: str = DUCKDB) -> str:
    if dialect == SPARK:
        tree = tree.copy().transform(_for_spark)
    return tree.sql(dialect=dialect, identify=True)


def _for_spark(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.PercentileCont):
        return exp.Quantile(this=node.this, quantile=node.expression)
    if isinstance(node, exp.Bracket) and isinstance(node.this, exp.List | exp.ArrayAgg):
        return _first_of_ordered_list(node) or node
    return node


def _first_of_ordered_list(node: exp.Bracket) -> exp.Expression | None:
    """``list(item ORDER BY k1, k2)[a:b]`` as Spark reads it; None for any other bracket."""
    inner = node.this.expressions[0] if isinstance(node.this, exp.List) else node.this.this
    cut = node.expressions[0] if len(node.expressions) == 1 else None
    if not isinstance(inner, exp.Order) or not isinstance(cut, exp.Slice) or any(
            key.args.get("desc") for key in inner.expressions):
        return None
    start, end = cut.this, cut.expression
    if not (isinstance(start, exp.Literal) and isinstance(end, exp.Literal)):
        return None
    fields: list[exp.Expression] = []
    for i, key in enumerate(inner.expressions):
        fields += [exp.Literal.string(f"k{i}"), key.this.copy()]
    fields += [exp.Literal.string("v"), inner.this.copy()]
    item = exp.Anonymous(this="named_struct", expressions=fields)
    length = int(end.this) - int(start.this) + 1
    return tree(fill(_SPARK_FIRST, item=item, start=exp.Literal.number(int(start.this)),
                     length=exp.Literal.number(length)))
