"""Model instances from a hand-written WHERE clause, for the reads on the SCIM API's hot path:
the token, a user by id or by email, the workspaces (teams, sets, roles) a `permissions`
object names.

The ORM compiles a queryset anew on each evaluation: for the token lookup and the user by id,
compiling and building the instance cost twice the CPU of the same SQL sent as text
(bench/README.md). `fetch` keeps what the ORM would do with the rows (the database's
and the fields' converters, `Model.from_db`, the cached related object of a select_related) and
only skips the compilation. `save_fields` and `insert` do the same for an UPDATE of some fields
and for an INSERT. The other hand-written SQL: the memberships union and the users page in
selectors.py, the rate counter's upsert in provisioning/ratelimit.py.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import DatabaseError, connection, models

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class _Plan:
    select: str  # SELECT … FROM … JOIN …, without WHERE
    table: str  # the model's quoted table name, for FOR UPDATE OF
    # Each model in the row, in order: (model, its attnames, where its pk sits in its chunk).
    models: tuple[tuple[type[models.Model], tuple[str, ...], int], ...]
    columns: tuple[tuple[Any, tuple[Any, ...]], ...]  # per column: (expression, converters)
    related_fields: tuple[Any, ...]  # the foreign keys named by `related`, in order


@functools.cache
def _plan(model: type[models.Model], related: tuple[str, ...]) -> _Plan:
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    joins, parts, columns = [], [(model, table)], []
    related_fields = tuple(model._meta.get_field(name) for name in related)
    for name, field in zip(related, related_fields, strict=True):
        target = field.related_model
        alias = quote(f"related_{name}")
        kind = "LEFT OUTER JOIN" if field.null else "INNER JOIN"
        joins.append(
            f"{kind} {quote(target._meta.db_table)} {alias} "
            f"ON {alias}.{quote(target._meta.pk.column)} = {table}.{quote(field.column)}"
        )
        parts.append((target, alias))
    selected, plan_models = [], []
    for part_model, alias in parts:
        fields = part_model._meta.concrete_fields
        attnames = tuple(f.attname for f in fields)
        plan_models.append((part_model, attnames, attnames.index(part_model._meta.pk.attname)))
        for field in fields:
            selected.append(f"{alias}.{quote(field.column)}")
            col = field.get_col(alias)
            converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            columns.append((col, tuple(converters)))
    # Only names from the models' metadata, quoted by the backend: no input reaches this text.
    select = f"SELECT {', '.join(selected)} FROM {table} {' '.join(joins)}".rstrip()  # noqa: S608
    return _Plan(select, table, tuple(plan_models), tuple(columns), related_fields)


def fetch(
    model: type[M],
    where: str,
    params: Sequence[Any],
    *,
    order_by: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    related: tuple[str, ...] = (),
    lock: bool = False,
) -> list[M]:
    """`model` rows matching `where` (SQL with %s placeholders; columns qualified by the quoted
    table name when `related` joins other tables), in `order_by` order (SQL too). `related`
    names foreign keys to load in the same query, like select_related; `lock` is
    select_for_update (inside a transaction). `limit` and `offset` (which needs `limit`) are
    sent as parameters, so every page shares one prepared statement."""
    plan = _plan(model, related)
    sql, params = f"{plan.select} WHERE {where}", list(params)
    if order_by:
        sql += f" ORDER BY {order_by}"
    if limit is not None:
        sql += " LIMIT %s OFFSET %s"
        params += [int(limit), int(offset)]
    if lock:
        sql += _for_update("fetch", of=plan.table if related else None)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [_instance(plan, row) for row in rows]


def fetch_with_lateral(
    model: type[M],
    where: str,
    params: Sequence[Any],
    *,
    lateral: Callable[[str], str],
    lateral_params: Sequence[Any] = (),
    lock: bool = False,
) -> list[tuple[M, tuple]]:
    """`fetch`, and with each row the rows of a subquery about it, in ONE query (PostgreSQL's
    `LEFT JOIN LATERAL`): a row and what belongs to it for one round trip instead of two, which
    on the hot path cost more CPU than the SQL (bench/README.md). `lateral(pk)` returns the
    subquery's SQL, given the SQL of the row's primary key. Returns (instance, subquery row)
    pairs; a row the subquery has nothing for comes once, with a tuple of NULLs. The instances
    of one row are one object."""
    plan = _plan(model, ())
    inner = f"{plan.select} WHERE {where}"
    if lock:
        inner += _for_update("fetch_with_lateral")
    quote = connection.ops.quote_name
    pk = f"owner.{quote(model._meta.pk.column)}"
    sql = (
        f"SELECT owner.*, extra.* FROM ({inner}) AS owner "  # noqa: S608 - see `lateral`
        f"LEFT JOIN LATERAL ({lateral(pk)}) AS extra ON TRUE"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *lateral_params])
        rows = cursor.fetchall()
    width, pk_index = len(plan.columns), plan.models[0][2]
    instances: dict[Any, M] = {}
    pairs = []
    for row in rows:
        instance = instances.get(row[pk_index])
        if instance is None:
            instance = instances[row[pk_index]] = _instance(plan, row[:width])
        pairs.append((instance, row[width:]))
    return pairs


def _for_update(caller: str, *, of: str | None = None) -> str:
    """The row lock's clause, refused outside a transaction, where the lock would end with the
    statement."""
    if not connection.in_atomic_block:
        raise RuntimeError(f"{caller}(lock=True) needs a transaction")
    return f" FOR UPDATE OF {of}" if of else " FOR UPDATE"


def _instance(plan: _Plan, row: tuple) -> Any:
    values = list(row)
    for i, (col, converters) in enumerate(plan.columns):
        for convert in converters:
            values[i] = convert(values[i], col, connection)
    instances, start = [], 0
    for part_model, attnames, pk_index in plan.models:
        chunk = values[start : start + len(attnames)]
        start += len(attnames)
        # A LEFT JOIN that found nothing gives a row of NULLs: no related object.
        is_missing = instances and chunk[pk_index] is None
        instances.append(
            None if is_missing else part_model.from_db(connection.alias, attnames, chunk)
        )
    main, *joined = instances
    for field, instance in zip(plan.related_fields, joined, strict=True):
        field.set_cached_value(main, instance)
    return main


def any_of(column: str, values: Sequence[Any]) -> tuple[str, list]:
    """`column IN (values)` as SQL and its parameters: one array parameter
    (`= ANY(%s)`): the statement's text is then the same for any number of values, so psycopg
    converts it once and the server keeps it prepared, where a hundred placeholders were split
    anew on every page of users. One value stays `column = %s`: for that PostgreSQL keeps a
    generic plan, while for an array of unknown length it plans anew on every execution, which
    showed in the server's CPU per lookup by email (bench/README.md, third session)."""
    if len(values) == 1:
        return f"{column} = %s", list(values)
    return f"{column} = ANY(%s)", [list(values)]


@functools.cache
def _update_statement(model: type[models.Model], fields: tuple[str, ...]):
    quote = connection.ops.quote_name
    targets = tuple(model._meta.get_field(name) for name in fields)
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in targets)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    # Only names from the models' metadata, quoted by the backend: no input reaches this text.
    return f"UPDATE {table} SET {assignments} WHERE {pk} = %s", targets  # noqa: S608


def save_fields(instance: models.Model, fields: Sequence[str]) -> None:
    """`instance.save(update_fields=fields)` for an instance read from the database, holding
    plain values, without the ORM building a queryset for it: on a PATCH that building cost
    more CPU than sending the UPDATE (bench/README.md). The fields' own preparation is kept
    (`pre_save`, `get_db_prep_save`: JSON, dates); the model's save signals are not sent, and
    the project connects none."""
    sql, targets = _update_statement(type(instance), tuple(fields))
    params = [
        field.get_db_prep_save(field.pre_save(instance, False), connection) for field in targets
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, instance.pk])
        if cursor.rowcount == 0:  # as save() says it
            raise DatabaseError("Save with update_fields did not affect any rows.")


@functools.cache
def _insert_statement(model: type[models.Model]):
    quote = connection.ops.quote_name
    meta = model._meta
    targets = tuple(f for f in meta.concrete_fields if f is not meta.pk and not f.generated)
    columns = ", ".join(quote(field.column) for field in targets)
    row = f"({', '.join(['%s'] * len(targets))})"
    # Only names from the models' metadata, quoted by the backend: no input reaches this text.
    head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES"
    return head, row, f"RETURNING {quote(meta.pk.column)}", targets


def insert(instances: Sequence[models.Model]) -> None:
    """`bulk_create` of new instances of one model in one INSERT without the ORM's compilation
    (for one membership it cost a POST more than the user's own INSERT; bench/README.md). The
    fields are prepared as save() prepares them; each instance gets its id and is marked saved.
    Like bulk_create, no signals."""
    if not instances:
        return
    model = type(instances[0])
    statement, row, returning, targets = _insert_statement(model)
    params = [value for instance in instances for value in _insert_values(instance, targets)]
    sql = f"{statement} {', '.join([row] * len(instances))} {returning}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = cursor.fetchall()
    for instance, (pk,) in zip(instances, ids, strict=True):
        _mark_saved(instance, pk)


def _insert_values(instance: models.Model, targets) -> list:
    return [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in targets]


def _mark_saved(instance: models.Model, pk) -> None:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias


def insert_with_children(parent: models.Model, children: Sequence[models.Model]) -> None:
    """INSERT a new instance and new instances that point at it (through their foreign key to
    its model), all or nothing, as ONE statement (data-modifying CTEs), so a create needs
    neither BEGIN nor COMMIT nor a round trip per table, each of which cost about as much CPU as
    an INSERT (bench/README.md). Every instance gets its id and is marked saved."""
    quote = connection.ops.quote_name
    # Only names from the models' metadata and placeholders reach this SQL: no input.
    parent_id = f"(SELECT {quote(type(parent)._meta.pk.column)} FROM parent)"  # noqa: S608
    head, row, returning, targets = _insert_statement(type(parent))
    ctes, params = [f"parent AS ({head} {row} {returning})"], _insert_values(parent, targets)
    groups = _by_model(children)
    links = [_foreign_key_to(model, type(parent)) for model, _ in groups]
    for i, ((model, instances), link) in enumerate(zip(groups, links, strict=True)):
        head, _, returning, targets = _insert_statement(model)
        # The link's value is the parent's new id; every other value is a parameter.
        row = f"({', '.join(parent_id if f is link else '%s' for f in targets)})"
        ctes.append(f"child{i} AS ({head} {', '.join([row] * len(instances))} {returning})")
        for instance in instances:
            values = _insert_values(instance, targets)
            params += [v for f, v in zip(targets, values, strict=True) if f is not link]
    names = ["parent", *(f"child{i}" for i in range(len(groups)))]
    selects = [f"SELECT {i}, * FROM {name}" for i, name in enumerate(names)]  # noqa: S608
    ids = " UNION ALL ".join(selects)
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} {ids}", params)
        rows = cursor.fetchall()
    # Each INSERT returns its ids in the order of its VALUES (as bulk_create relies on).
    returned: dict[int, list] = {}
    for group, pk in rows:
        returned.setdefault(group, []).append(pk)
    _mark_saved(parent, returned[0][0])
    for i, ((_, instances), link) in enumerate(zip(groups, links, strict=True)):
        for instance, pk in zip(instances, returned[i + 1], strict=True):
            _mark_saved(instance, pk)
            setattr(instance, link.attname, parent.pk)


def insert_children(parent: models.Model, children: Sequence[models.Model]) -> None:
    """`insert` new instances that point at a saved `parent`, setting their foreign key to it
    (children made before the parent had an id hold none)."""
    for model, instances in _by_model(children):
        link = _foreign_key_to(model, type(parent))
        for instance in instances:
            setattr(instance, link.attname, parent.pk)
        insert(instances)


def _by_model(instances: Sequence[models.Model]) -> list[tuple[type[models.Model], list]]:
    groups: dict[type[models.Model], list] = {}
    for instance in instances:
        groups.setdefault(type(instance), []).append(instance)
    return list(groups.items())


@functools.cache
def _foreign_key_to(model: type[models.Model], target: type[models.Model]):
    (field,) = [
        f for f in model._meta.concrete_fields if f.is_relation and f.related_model is target
    ]
    return field
