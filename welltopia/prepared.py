"""Queries built and compiled once per process, then sent again with each call's values.

Every patient page runs the same few reads: the session, the pharmacy, the patient's intake with
its booking state, the consultation type, the slot engine's schedule. Django builds and compiles a
QuerySet anew on each call, 0.2-1.3 ms of Python a query on our 2-core machine, where sending the
finished SQL and reading the row takes about 0.1 (issue #16's profile): on a booking page that was
a third of the server time.

A ``Prepared`` query is written once, as a function that builds the QuerySet with ``Param(name,
field)`` wherever a call's value goes (and ``.using()`` for another database than the default).
It is built and compiled on its first run, and each run then sends that SQL with the run's values
and reads the rows through the QuerySet's own iterable: model instances with their select_related
objects, annotations and prefetches, or values_list tuples, exactly what the QuerySet returns.

Why one compiled text is right for every run: a Param always compiles to one placeholder, so the
SQL cannot depend on a run's values. Each value is made ready for the database as a filter on its
field makes it (``field.get_db_prep_value``). A Param never matches NULL (``= NULL`` is never
true), so a value may not be None: build another query for "is null". A Param is for comparisons
(=, <, <=, >, >=): the pattern lookups (iexact, contains, startswith...) escape a value for LIKE,
which a Param cannot be (compiling refuses where it sees it: SQLite's iexact); compare
``Upper(field)`` with ``Upper(Param(...))`` instead (``patients.selectors.any_case``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.core.exceptions import EmptyResultSet, ImproperlyConfigured
from django.db import connections
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.sql.query import Query
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)


class Param(Expression):
    """Where a prepared query takes a run's value ``name``, read as ``output_field`` reads it."""

    def __init__(self, name: str, output_field: Field):
        super().__init__(output_field=output_field)
        self.name = name

    def as_sql(self, compiler, connection):
        return "%s", [_Slot(self)]


class _Slot:
    """Stands in the compiled parameters for a Param's value until a run supplies it."""

    def __init__(self, param: Param):
        self.param = param

    def __str__(self):
        # A lookup that rewrites its value as text (iexact, contains, startswith: they escape it for
        # LIKE) would leave this text in the SQL's parameters instead of the slot: compiling says so.
        return f"{_REWRITTEN}{self.param.name}"


_REWRITTEN = "welltopia.prepared: a lookup rewrote the value of Param "


class _Compiled:
    def __init__(self, queryset: QuerySet, compiler: SQLCompiler, sql: str, params: tuple):
        self.queryset = queryset
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.slots = [(index, param.param) for index, param in enumerate(params) if isinstance(param, _Slot)]
        self.names = {param.name for _, param in self.slots}


class _RunQuery:
    """The QuerySet's Query for one run: hands the iterable the compiler that holds the SQL and
    the run's parameters; everything else is the Query's own."""

    def __init__(self, query: Query, compiler: SQLCompiler):
        self._query = query
        self._compiler = compiler

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self._compiler

    def __getattr__(self, name):
        return getattr(self._query, name)


class Prepared(Generic[M]):
    """``build()`` returns the QuerySet, with a Param for each value a run gives; ``run(**values)``
    returns its rows as a list, ``first(**values)`` the first or None (slice in ``build`` when
    only one is wanted: the SQL reads what the QuerySet says)."""

    def __init__(self, build: Callable[[], QuerySet[M, Any]]):
        self._build = build
        self._compiled: _Compiled | None = None

    def _compile(self) -> _Compiled:
        queryset = self._build()
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            # A filter that can match nothing (pk__in=[]): the QuerySet sends no query, nor does a run.
            return _Compiled(queryset, compiler, "", ())
        for param in params:
            if isinstance(param, str) and _REWRITTEN in param:
                raise ImproperlyConfigured(
                    f"{param[param.index(_REWRITTEN):]}: compare it with an exact lookup, e.g. Upper(field) == Upper(Param)"
                )
        return _Compiled(queryset, compiler, sql, tuple(params))

    def run(self, **values: Any) -> list:
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = self._compile()
        if not compiled.sql:
            return []
        if values.keys() != compiled.names:
            raise TypeError(f"a run takes the values {sorted(compiled.names)}, not {sorted(values)}")
        queryset = compiled.queryset
        connection = connections[queryset.db]
        features = connection.features
        if (
            queryset.query.select_for_update
            and features.has_select_for_update
            and features.supports_transactions
            and connection.get_autocommit()
        ):
            # What compiling checks each time for the QuerySet: a lock outside a transaction holds nothing.
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(compiled.params)
        for index, param in compiled.slots:
            value = values[param.name]
            if value is None:
                raise ValueError(f"{param.name}: a prepared query never matches None; build one for it")
            params[index] = param.output_field.get_db_prep_value(value, connection, prepared=False)
        # The compiler of the first run, with this run's connection (one per thread) and SQL.
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection
        compiler.as_sql = lambda *args, **kwargs: (compiled.sql, params)  # type: ignore[method-assign]
        run = queryset.__class__(
            model=queryset.model,
            query=_RunQuery(queryset.query, compiler),  # type: ignore[arg-type]
            using=queryset._db,
            hints=queryset._hints,
        )
        run._iterable_class = queryset._iterable_class
        run._fields = queryset._fields
        run._prefetch_related_lookups = queryset._prefetch_related_lookups
        run._known_related_objects = queryset._known_related_objects
        return list(run)

    def first(self, **values: Any):
        rows = self.run(**values)
        return rows[0] if rows else None
