"""The one door to scoped data.

Every model that holds data of a place (a person, a case, an audit event, a division) inherits ``ScopedModel``.
Its default manager hands out querysets that refuse to run until a scope is applied:

* ``Model.objects.restrict(user, "view")`` keeps only rows whose area code starts with one of the prefixes the
  user's role assignments grant for the permission ``<app_label>.<action>_<model_name>``; a department handler
  is further limited to rows of their department when the model has a department field.
* ``Model.objects.unscoped()`` is the explicit escape hatch for system jobs (imports, payroll, migrations of
  data). Each call says why in a ``# unscoped: reason`` comment, checked by ``tests/test_unscoped.py``.

A queryset with neither raises ``ScopeNotApplied`` when it is evaluated, counted, updated or deleted: a
forgotten scope is an error, never a silent leak. Related managers reached from an object that was itself
loaded through the door (``household.members.all()``) inherit its scope.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, Self, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

_internal_checks: ContextVar[bool] = ContextVar("minsheng_scope_internal_checks", default=False)

# Significant digits of a 12-digit division code at each level: province 2, city 4, county 6, township 9,
# village 12 (DOMAIN §8.2). A prefix match on these digits is the whole of area scoping.
LEVEL_DIGITS = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}


class ScopeNotApplied(RuntimeError):
    """A scoped model was queried without ``restrict(user, action)`` or an explicit ``unscoped()``."""


@dataclass(frozen=True)
class Scope:
    """One area (and, for a department handler, one department; for an organisation's staff, one organisation) in
    which a user may act."""

    prefix: str
    department_id: int | None = None
    organisation_id: int | None = None


class ScopeHolder(Protocol):
    """A signed-in staff account (``accounts.User``) as the door sees it."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def is_active(self) -> bool: ...

    def scopes_for(self, permission: str) -> list[Scope]: ...


def scope_prefix(code: str, level: str) -> str:
    """The significant digits of a 12-digit code: ``321302000000`` at county level is ``321302``."""
    return code[: LEVEL_DIGITS[level]]


def codes_containing(area_code: str) -> list[str]:
    """The 12-digit codes of ``area_code``'s division and of every division above it (township, county, city,
    province): what is registered at one of them serves the area (a county's association serves its villages)."""
    return [area_code[:digits].ljust(12, "0") for digits in LEVEL_DIGITS.values()]


@contextlib.contextmanager
def internal_checks() -> Iterator[None]:
    """Let Django's own uniqueness and constraint checks query a scoped table.

    Those checks only test whether a conflicting row exists and never return rows to the caller; they must see
    the whole table, or a duplicate in another area would slip through.
    """
    token = _internal_checks.set(True)
    try:
        yield
    finally:
        _internal_checks.reset(token)


_ModelT = TypeVar("_ModelT", bound=models.Model, covariant=True)


class ScopedQuerySet(models.QuerySet[_ModelT]):
    _scope_state: str | None = None

    def _clone(self) -> Self:
        clone: Self = super()._clone()  # type: ignore[misc]
        clone._scope_state = self._scope_state
        return clone

    def _with_state(self, state: str) -> Self:
        clone: Self = self._chain()  # type: ignore[attr-defined]
        clone._scope_state = state
        return clone

    def restrict(self, user: ScopeHolder | AnonymousUser | None, action: str = "view") -> Self:
        """Rows that ``user`` may ``action`` ("view", "change", ...), by area prefix and department."""
        if user is None:
            raise ScopeNotApplied(f"{self.model.__name__}.objects.restrict() needs a user")
        restricted = self._with_state("restricted")
        if not (user.is_authenticated and user.is_active):
            return restricted.none()
        meta = self.model._meta
        scopes = user.scopes_for(f"{meta.app_label}.{action}_{meta.model_name}")
        if not scopes:
            return restricted.none()
        area_fields: str | tuple[str, ...] = self.model.scope_field  # type: ignore[attr-defined]
        if isinstance(area_fields, str):
            area_fields = (area_fields,)
        department_field: str | None = getattr(self.model, "scope_department_field", None)
        organisation_field: str | None = getattr(self.model, "scope_organisation_field", None)
        condition = Q()
        for scope in scopes:
            # A row with several area fields (a person's 户籍地 and 居住地) is in scope when any of them is.
            clause = Q()
            for area_field in area_fields:
                clause |= Q(**{f"{area_field}__startswith": scope.prefix})
            if scope.department_id is not None and department_field:
                clause &= Q(**{department_field: scope.department_id})
            if scope.organisation_id is not None:
                # An organisation's staff see its own rows only; a model without an organisation field, none.
                clause &= Q(**{organisation_field: scope.organisation_id}) if organisation_field else Q(pk__in=[])
            condition |= clause
        return restricted.filter(condition)

    def unscoped(self) -> Self:
        """Every row, for system jobs only. Each call site says why in a ``# unscoped: reason`` comment."""
        return self._with_state("unscoped")

    def _require_scope(self) -> None:
        if self._scope_state is None and not _internal_checks.get():
            raise ScopeNotApplied(
                f"{self.model.__name__} is scoped: call .restrict(user, action) or, for a system job, .unscoped()"
            )

    # Every way a queryset reaches the database passes one of these.
    def _fetch_all(self) -> None:
        if self._result_cache is None:
            self._require_scope()
        super()._fetch_all()

    def count(self) -> int:
        self._require_scope()
        return super().count()

    def exists(self) -> bool:
        self._require_scope()
        return super().exists()

    def aggregate(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        self._require_scope()
        return super().aggregate(*args, **kwargs)

    def iterator(self, chunk_size: int | None = None) -> Iterator[_ModelT]:
        self._require_scope()
        return super().iterator(chunk_size=chunk_size)

    def update(self, **kwargs: Any) -> int:
        self._require_scope()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._require_scope()
        return super().delete()

    def in_bulk(self, *args: Any, **kwargs: Any) -> dict[Any, _ModelT]:
        self._require_scope()
        return super().in_bulk(*args, **kwargs)

    def explain(self, *args: Any, **kwargs: Any) -> str:
        self._require_scope()
        return super().explain(*args, **kwargs)


class ScopedManager(models.Manager[_ModelT]):
    """Default manager of scoped models: querysets fail closed until restricted."""

    queryset_class: ClassVar[type[ScopedQuerySet[Any]]] = ScopedQuerySet

    def get_queryset(self) -> ScopedQuerySet[_ModelT]:
        queryset: ScopedQuerySet[_ModelT] = self.queryset_class(self.model, using=self._db)
        if getattr(self, "instance", None) is not None:
            # A related manager (``parent.children``): the parent was loaded through the door already.
            queryset._scope_state = "via_parent"
        return queryset

    def restrict(self, user: ScopeHolder | AnonymousUser | None, action: str = "view") -> ScopedQuerySet[_ModelT]:
        return self.get_queryset().restrict(user, action)

    def unscoped(self) -> ScopedQuerySet[_ModelT]:
        return self.get_queryset().unscoped()


class ScopedModel(models.Model):
    """Base of every model holding data of an area. Subclasses name their 12-digit area code field."""

    scope_field: ClassVar[str | tuple[str, ...]]
    scope_department_field: ClassVar[str | None] = None
    # For rows an organisation's staff work on (a funeral home's cases, a care provider's visits): the field holding
    # the organisation's id, matched against an organisation-bound role assignment (``RoleSpec.organisation``).
    scope_organisation_field: ClassVar[str | None] = None

    objects = ScopedManager()

    class Meta:
        abstract = True

    def validate_unique(self, exclude: Any = None) -> None:
        with internal_checks():
            super().validate_unique(exclude=exclude)

    def validate_constraints(self, exclude: Any = None) -> None:
        with internal_checks():
            super().validate_constraints(exclude=exclude)


def scope_allows(user: ScopeHolder | AnonymousUser | None, permission: str, *codes: str) -> bool:
    """Whether ``user`` holds ``permission`` in an area containing any of ``codes`` (for checks before a write)."""
    if user is None or not (user.is_authenticated and user.is_active):
        return False
    return any(code and code.startswith(s.prefix) for s in user.scopes_for(permission) for code in codes)


def require_scope(
    user: ScopeHolder | AnonymousUser | None, permission: str, *codes: str, message: str | None = None
) -> None:
    """``scope_allows`` or PermissionDenied: the check every service makes before a write in an area."""
    if not scope_allows(user, permission, *codes):
        raise PermissionDenied(message or _("This is outside the areas where you may do this."))


_ScopedT = TypeVar("_ScopedT", bound=ScopedModel)


def lock_in_scope(
    model: type[_ScopedT],
    pk: Any,
    user: Any,
    action: str,
    *,
    message: str | None = None,
    related: tuple[str, ...] = (),
) -> _ScopedT:
    """The row ``pk`` of ``model``, locked until the transaction ends (``SELECT … FOR UPDATE``), if ``user`` may
    ``action`` it; else PermissionDenied with ``message``. The page that led here read the row through the door, so a
    refusal means the user's rights changed meanwhile; the caller re-reads the row's state inside the lock.
    ``related`` rows are joined (read, not locked: PostgreSQL refuses to lock the nullable side of an outer join)."""
    rows = model.objects.restrict(user, action)
    rows = rows.select_for_update(of=("self",)).select_related(*related) if related else rows.select_for_update()
    row: _ScopedT | None = rows.filter(pk=pk).first()
    if row is None:
        raise PermissionDenied(message or _("This record is outside your areas."))
    return row
