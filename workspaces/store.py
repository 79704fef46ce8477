"""All the SQL of the workspaces tables that the ORM can't say cheaply, behind functions named
by intent: the reads and writes of a user and its memberships on the SCIM API's hot path. Nothing
outside this module writes SQL text for these tables; the rest of the code uses the ORM.

Why by hand: the ORM compiles a queryset anew on each evaluation, and on these paths compiling
cost more CPU than the database's work (bench/README.md, "Store modules"). What the ORM would do
with the rows is kept (the fields' converters, `Model.from_db`, `get_db_prep_save` on writes);
only the compilation is skipped. `Manager.raw()` was measured as the simpler way to build the
instances and cost several times as much per query; it also can't return a row together with its
memberships without hanging them on the instance.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from django.db import connection, models

from workspaces.models import (
    USER_BLOCK_SIZE,
    DashboardUser,
    PermissionSet,
    Role,
    RoleAssignment,
    Team,
    TeamMembership,
    UserCountBlock,
    Workspace,
    WorkspaceMembership,
)

M = TypeVar("M", bound=models.Model)

# A row of `_access_sql`: kind ('w', 't' or 'r'), user id, the workspace's, team's or role's id,
# name, public id, the membership's permissions (JSON text), then a permission set: name, public
# id, permissions (JSON text), and its workspace's id, name and public id.
AccessRow = tuple


def user_for_document(
    company_id: int, public_id: str, *, lock: bool = False
) -> tuple[DashboardUser, list[AccessRow]] | None:
    """The company's user with this public id and its membership rows, in ONE query (a round
    trip less on every GET and write of one user); `lock` first locks the user's row until the
    transaction ends, in a statement of its own."""
    where = "company_id = %s AND public_id = %s"
    if lock:
        # Locked by a statement of its own, before the read: a statement that waits for the
        # lock sees the row as the transaction it waited for left it, but the membership rows as
        # they were when it started, and a write from those would undo that transaction's.
        table = _quote(DashboardUser._meta.db_table)
        sql = f"SELECT 1 FROM {table} WHERE {where}{_for_update()}"  # noqa: S608 - a name
        with connection.cursor() as cursor:
            cursor.execute(sql, [company_id, public_id])
    found = _users_with_access_rows(where, [company_id, public_id])
    return found[0] if found else None


def users_by_email(company_id: int, email: str) -> list[tuple[DashboardUser, list[AccessRow]]]:
    """The company's user signing in with `email` (in any case) and its membership rows, in one
    query: the `userName eq` lookup an identity provider makes before every create. Served by the
    unique index on lower(email), the condition of `models.email_matches`."""
    where = "company_id = %s AND lower(email) = lower(%s)"
    return _users_with_access_rows(where, [company_id, email])


def access_rows(user_ids: Sequence[int]) -> list[AccessRow]:
    """Every membership row of these users, in one query however many there are."""
    if not user_ids:
        return []
    of_member, ids = _any_of("m.user_id", user_ids)
    with connection.cursor() as cursor:
        cursor.execute(_access_sql(of_member), [*ids, *ids, *ids])
        return cursor.fetchall()


def users_page(company_id: int, *, offset: int, limit: int) -> tuple[list[DashboardUser], int]:
    """`limit` of the company's users in id order after skipping `offset`, and how many users it
    has. The per-block counts (`UserCountBlock`) give the total and the block of ids where the
    page starts, so neither COUNT(*) nor OFFSET walks the company's users, whose cost grows with
    the company (bench/README.md, "Fifth session")."""
    table = _quote(UserCountBlock._meta.db_table)
    sql = f"""
        SELECT block, before, total FROM (
            SELECT block, sum(users) AS users,
                   (sum(sum(users)) OVER (ORDER BY block))::bigint - sum(users) AS before,
                   (sum(sum(users)) OVER ())::bigint AS total
              FROM {table} WHERE company_id = %s GROUP BY block
        ) AS blocks
        ORDER BY before + users <= %s, block
        LIMIT 1
    """  # noqa: S608 - only a quoted table name is interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [company_id, offset])
        located = cursor.fetchone()
    # An offset past the last user finds the first block; the total says the page is empty.
    if located is None:
        return [], 0
    block, before, total = located
    if not limit or offset >= total:
        return [], total
    users = _fetch(
        DashboardUser,
        "company_id = %s AND id >= %s ORDER BY id LIMIT %s OFFSET %s",
        [company_id, block * USER_BLOCK_SIZE, int(limit), offset - before],
    )
    return users, total


def named_in_company(
    model: type[M], company_id: int, *, names: Sequence[str], public_ids: Sequence[str]
) -> list[M]:
    """The company's workspaces, teams, permission sets or roles (`model`) with one of these
    names or public ids, in one query."""
    table = _quote(model._meta.db_table)
    # Only quoted table names and placeholders are interpolated below.
    if model in (Workspace, Role):
        scope = f"{table}.company_id = %s"
    else:  # a team or a permission set belongs to the company through its workspace
        workspaces = _quote(Workspace._meta.db_table)
        scope = f"{table}.workspace_id IN (SELECT id FROM {workspaces} WHERE company_id = %s)"  # noqa: S608
    matches, params = [], [company_id]
    for column, values in (("name", names), ("public_id", public_ids)):
        if values:
            match, match_params = _any_of(f"{table}.{column}", sorted(set(values)))
            matches.append(match)
            params.extend(match_params)
    if not matches:
        return []
    return _fetch(model, f"{scope} AND ({' OR '.join(matches)})", params)


def user_create_with_memberships(user: DashboardUser, rows: Sequence[models.Model]) -> None:
    """INSERT a new user and the new rows that belong to it (its memberships, its invitation:
    instances whose `user` is `user`), all or nothing, as ONE statement (data-modifying CTEs): a
    create then needs neither BEGIN nor COMMIT nor a round trip per table, each of which cost
    about as much as an INSERT (bench/README.md). Every instance gets its id and is marked
    saved."""
    # Only names from the models' metadata and placeholders reach this SQL: no input.
    parent_id = f"(SELECT {_quote(DashboardUser._meta.pk.column)} FROM parent)"  # noqa: S608
    head, row, returning, targets = _insert_statement(DashboardUser)
    ctes, params = [f"parent AS ({head} {row} {returning})"], _insert_values(user, targets)
    groups = _by_model(rows)
    for i, (model, instances) in enumerate(groups):
        head, _, returning, targets = _insert_statement(model)
        link = model._meta.get_field("user")
        # The user's new id comes from the first INSERT; every other value is a parameter.
        row = f"({', '.join(parent_id if f is link else '%s' for f in targets)})"
        ctes.append(f"child{i} AS ({head} {', '.join([row] * len(instances))} {returning})")
        for instance in instances:
            values = _insert_values(instance, targets)
            params += [v for f, v in zip(targets, values, strict=True) if f is not link]
    names = ["parent", *(f"child{i}" for i in range(len(groups)))]
    ids = " UNION ALL ".join(f"SELECT {i}, * FROM {n}" for i, n in enumerate(names))  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(ctes)} {ids}", params)
        rows = cursor.fetchall()
    # Each INSERT returns its ids in the order of its VALUES (as bulk_create relies on).
    returned: dict[int, list] = {}
    for group, pk in rows:
        returned.setdefault(group, []).append(pk)
    _mark_saved(user, returned[0][0])
    for i, (_, instances) in enumerate(groups):
        for instance, pk in zip(instances, returned[i + 1], strict=True):
            _mark_saved(instance, pk)
            instance.user_id = user.pk


def memberships_add(user: DashboardUser, memberships: Sequence[models.Model]) -> None:
    """INSERT new memberships of a saved user, one statement per kind (bulk_create without its
    compilation, which for one membership cost a write more than the user's own UPDATE)."""
    for model, instances in _by_model(memberships):
        for instance in instances:
            instance.user_id = user.pk
        head, row, returning, targets = _insert_statement(model)
        params = [v for instance in instances for v in _insert_values(instance, targets)]
        with connection.cursor() as cursor:
            cursor.execute(f"{head} {', '.join([row] * len(instances))} {returning}", params)
            ids = cursor.fetchall()
        for instance, (pk,) in zip(instances, ids, strict=True):
            _mark_saved(instance, pk)


def user_save_fields(
    user: DashboardUser, fields: Sequence[str], *, unchanged_since: datetime
) -> bool:
    """`user.save(update_fields=fields)` without the ORM building a queryset for it, which on a
    PATCH cost more than the UPDATE (bench/README.md), and only if the row's `updated_at` still
    is `unchanged_since`: the write of a user read without a lock, which another write (or a
    delete) may have overtaken; then False, and nothing is written. The fields' own preparation
    is kept (`pre_save`, `get_db_prep_save`); no save signals are sent, and the project connects
    none."""
    sql, targets = _update_statement(tuple(fields))
    params = [field.get_db_prep_save(field.pre_save(user, False), connection) for field in targets]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, user.pk, unchanged_since])
        return cursor.rowcount == 1


def instance_by(
    model: type[M], field: str, value: Any, *, related: tuple[str, ...] = ()
) -> M | None:
    """The `model` row whose unique `field` is `value`, with the objects its foreign keys named in
    `related` point at, in one query: select_related without the ORM's compilation, for the
    other store module (provisioning/store.py: the integration a token names, on every request
    when the integration cache is off). None when there is no such row."""
    sql, plans, links = _select_related(model, field, related)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    instances, start = [], 0
    for plan in plans:
        chunk, start = row[start : start + len(plan.attnames)], start + len(plan.attnames)
        # A LEFT JOIN that found nothing gives NULLs: no related object.
        found = chunk[plan.attnames.index(plan.model._meta.pk.attname)] is not None
        instances.append(_instance(plan, chunk) if found else None)
    main, *joined = instances
    for link, instance in zip(links, joined, strict=True):
        link.set_cached_value(main, instance)
    return main


# The SQL and the instances, built from the models' metadata.


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _any_of(column: str, values: Sequence[Any]) -> tuple[str, list]:
    """`column IN (values)` as one array parameter (`= ANY(%s)`): the statement's text is the same
    for any number of values, so the server keeps it prepared. One value stays `column = %s`, for
    which PostgreSQL keeps a generic plan where for an array it plans anew on every execution
    (bench/README.md, third session)."""
    if len(values) == 1:
        return f"{column} = %s", list(values)
    return f"{column} = ANY(%s)", [list(values)]


@dataclass(frozen=True)
class _Plan:
    model: type[models.Model]
    select: str  # SELECT … FROM the model's table, without WHERE
    attnames: tuple[str, ...]
    columns: tuple[tuple[Any, tuple[Any, ...]], ...]  # per column: (expression, converters)


@functools.cache
def _plan(model: type[models.Model]) -> _Plan:
    table = _quote(model._meta.db_table)
    fields = model._meta.concrete_fields
    columns = []
    for field in fields:
        col = field.get_col(table)
        converters = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        columns.append((col, tuple(converters)))
    selected = ", ".join(f"{table}.{_quote(field.column)}" for field in fields)
    return _Plan(
        model,
        f"SELECT {selected} FROM {table}",  # noqa: S608 - only names from the models' metadata
        tuple(field.attname for field in fields),
        tuple(columns),
    )


@functools.cache
def _select_related(model: type[models.Model], field: str, related: tuple[str, ...]):
    table = _quote(model._meta.db_table)
    parts, joins = [(model, table)], []
    links = tuple(model._meta.get_field(name) for name in related)
    for name, link in zip(related, links, strict=True):
        target, alias = link.related_model, _quote(f"related_{name}")
        joins.append(
            f"{'LEFT JOIN' if link.null else 'JOIN'} {_quote(target._meta.db_table)} {alias} "
            f"ON {alias}.{_quote(target._meta.pk.column)} = {table}.{_quote(link.column)}"
        )
        parts.append((target, alias))
    selected = ", ".join(
        f"{alias}.{_quote(f.column)}" for part, alias in parts for f in part._meta.concrete_fields
    )
    where = f"{table}.{_quote(model._meta.get_field(field).column)} = %s"
    # Only names from the models' metadata and one placeholder: no input.
    sql = f"SELECT {selected} FROM {table} {' '.join(joins)} WHERE {where} LIMIT 1"  # noqa: S608
    return sql, tuple(_plan(part) for part, _ in parts), links


def _instance(plan: _Plan, row: Sequence[Any]) -> Any:
    values = list(row)
    for i, (col, converters) in enumerate(plan.columns):
        for convert in converters:
            values[i] = convert(values[i], col, connection)
    return plan.model.from_db(connection.alias, plan.attnames, values)


def _fetch(model: type[M], where: str, params: Sequence[Any]) -> list[M]:
    """`model` instances of the rows matching `where` (SQL with %s placeholders, and any ORDER
    BY / LIMIT after it)."""
    plan = _plan(model)
    sql = f"{plan.select} WHERE {where}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [_instance(plan, row) for row in rows]


def _users_with_access_rows(
    where: str, params: list
) -> list[tuple[DashboardUser, list[AccessRow]]]:
    """Users matching `where`, each with its membership rows, in one query: the user's row joined
    LATERAL to `_access_sql` of it."""
    plan = _plan(DashboardUser)
    inner = f"{plan.select} WHERE {where}"
    user_id = f"owner.{_quote(DashboardUser._meta.pk.column)}"
    sql = (
        f"SELECT owner.*, extra.* FROM ({inner}) AS owner "  # noqa: S608 - names, placeholders
        f"LEFT JOIN LATERAL ({_access_sql(f'm.user_id = {user_id}')}) AS extra ON TRUE"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    width, pk_index = len(plan.columns), plan.attnames.index("id")
    found: dict[Any, tuple[DashboardUser, list[AccessRow]]] = {}
    for row in rows:
        user_rows = found.get(row[pk_index])
        if user_rows is None:
            user_rows = found[row[pk_index]] = (_instance(plan, row[:width]), [])
        if row[width] is not None:  # a user without memberships comes once, with NULLs
            user_rows[1].append(row[width:])
    return list(found.values())


def _for_update() -> str:
    """The row lock's clause, refused outside a transaction, where the lock would end with the
    statement."""
    if not connection.in_atomic_block:
        raise RuntimeError("a row lock needs a transaction")
    return " FOR UPDATE"


def _access_sql(of_member: str) -> str:
    """The membership rows (`AccessRow`) of the users `of_member` selects (a condition on
    `m.user_id`, used three times), a UNION ALL of three: it is on every SCIM read, and the ORM
    took many times longer to compile it than PostgreSQL to run it (bench/README.md)."""
    t = _access_tables()
    return f"""
        SELECT 'w', m.user_id, w.id, w.name, w.public_id, m.permissions,
               ps.name, ps.public_id, ps.permissions, w.id, w.name, w.public_id
          FROM {t["wm"]} m
          JOIN {t["ws"]} w ON w.id = m.workspace_id
          LEFT JOIN {t["ps"]} ps ON ps.id = m.permission_set_id
         WHERE {of_member}
        UNION ALL
        SELECT 't', m.user_id, t.id, t.name, t.public_id, m.permissions,
               NULL, NULL, NULL, t.workspace_id, NULL, NULL
          FROM {t["tm"]} m
          JOIN {t["team"]} t ON t.id = m.team_id
         WHERE {of_member}
        UNION ALL
        SELECT 'r', m.user_id, r.id, r.name, r.public_id, NULL,
               ps.name, ps.public_id, ps.permissions, ps.workspace_id, w.name, w.public_id
          FROM {t["ra"]} m
          JOIN {t["role"]} r ON r.id = m.role_id
          LEFT JOIN {t["rps"]} rp ON rp.role_id = r.id
          LEFT JOIN {t["ps"]} ps ON ps.id = rp.permissionset_id
          LEFT JOIN {t["ws"]} w ON w.id = ps.workspace_id
         WHERE {of_member}
    """  # noqa: S608 - only placeholders, quoted table names and the caller's condition


@functools.cache
def _access_tables() -> dict[str, str]:
    """The quoted table names `_access_sql` joins, built once (bench/README.md)."""
    return {
        name: _quote(model._meta.db_table)
        for name, model in {
            "wm": WorkspaceMembership,
            "tm": TeamMembership,
            "ra": RoleAssignment,
            "ws": Workspace,
            "team": Team,
            "role": Role,
            "ps": PermissionSet,
            "rps": Role.permission_sets.through,
        }.items()
    }


@functools.cache
def _update_statement(fields: tuple[str, ...]):
    targets = tuple(DashboardUser._meta.get_field(name) for name in fields)
    assignments = ", ".join(f"{_quote(field.column)} = %s" for field in targets)
    table, pk = _quote(DashboardUser._meta.db_table), _quote(DashboardUser._meta.pk.column)
    version = _quote(DashboardUser._meta.get_field("updated_at").column)
    where = f"{pk} = %s AND {version} = %s"
    return f"UPDATE {table} SET {assignments} WHERE {where}", targets  # noqa: S608 - names


@functools.cache
def _insert_statement(model: type[models.Model]):
    meta = model._meta
    targets = tuple(f for f in meta.concrete_fields if f is not meta.pk and not f.generated)
    columns = ", ".join(_quote(field.column) for field in targets)
    row = f"({', '.join(['%s'] * len(targets))})"
    head = f"INSERT INTO {_quote(meta.db_table)} ({columns}) VALUES"  # only metadata names
    return head, row, f"RETURNING {_quote(meta.pk.column)}", targets


def _insert_values(instance: models.Model, targets) -> list:
    return [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in targets]


def _mark_saved(instance: models.Model, pk) -> None:
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = connection.alias


def _by_model(instances: Sequence[models.Model]) -> list[tuple[type[models.Model], list]]:
    groups: dict[type[models.Model], list] = {}
    for instance in instances:
        groups.setdefault(type(instance), []).append(instance)
    return list(groups.items())
