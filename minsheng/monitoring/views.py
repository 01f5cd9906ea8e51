"""Pages of proactive discovery: the warnings (list, a warning with its visit and confirmation), the low-income
population (一户一档), and the warning rules with their preview."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts.models import User
from minsheng.assistance.benefits.models import Benefit
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.keyset import cursor_of, keyset_page, since_of
from minsheng.core.numbers import id_or_404
from minsheng.monitoring import selectors
from minsheng.monitoring.forms import ConfirmForm, RuleForm, VisitForm
from minsheng.monitoring.models import Alert, Group, MonitoredHousehold, WarningRule
from minsheng.monitoring.rules import OBJECT_RULES, describe
from minsheng.monitoring.services import VisitData, alert_confirm, rule_preview, rule_save, visit_receive

PAGE = 50


def _actor(request: HttpRequest) -> User:
    actor: User = request.user  # type: ignore[assignment]  # role_required let only a signed-in user through
    return actor


@role_required("monitoring.view_alert")
def alert_list(request: HttpRequest) -> HttpResponse:
    """To visit first, then awaiting the township, then handled (those raised within the window: by default the last
    ``LIST_WINDOW_DAYS`` days); the soonest deadline first within each; a keyset page at a time."""
    status = request.GET.get("status", "")
    status = status if status in Alert.Status.values else ""
    rule = request.GET.get("rule", "")[:40]
    overdue = request.GET.get("overdue") == "1"
    since = since_of(request)
    today = timezone.localdate()
    window = since or today - dt.timedelta(days=selectors.LIST_WINDOW_DAYS)
    alerts = selectors.alert_page_rows(
        user=request.user, status=status, rule=rule, overdue=overdue, handled_since=window, today=today
    )
    page = keyset_page(alerts, selectors.ALERT_KEYS, cursor=cursor_of(request), size=PAGE, salt="monitoring.alerts")
    rules = WarningRule.objects.order_by("code").values_list("code", "name").distinct()
    return render(
        request,
        "monitoring/alert_list.html",
        {
            "page": page,
            "statuses": Alert.Status.choices,
            "status": status,
            "rule": rule,
            "rules": dict(rules),
            "overdue": overdue,
            "since": window,
            "today": today,
        },
    )


@role_required("monitoring.view_alert")
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, pk=id_or_404(pk))
    return render(request, "monitoring/alert_detail.html", _detail_context(request, alert))


def _detail_context(
    request: HttpRequest, alert: Alert, visit_form: VisitForm | None = None, confirm_form: ConfirmForm | None = None
) -> dict[str, Any]:
    user = request.user
    can_visit = alert.status == Alert.Status.OPEN and user.has_perm("monitoring.add_visit")
    can_confirm = alert.status == Alert.Status.VISITED and user.has_perm("monitoring.change_alert")
    return {
        "alert": alert,
        "visits": alert.visits.unscoped()
        .prefetch_related("photos")
        .order_by("-checked_in_at"),  # unscoped: the visits of a warning read through the door
        "visit_form": visit_form or (VisitForm() if can_visit else None),
        "confirm_form": confirm_form or (ConfirmForm() if can_confirm else None),
        "visit_uuid": uuid.uuid4(),  # the form's own: sent twice (a double click), the visit arrives once
        "today": timezone.localdate(),
    }


@role_required("monitoring.add_visit")
@require_POST
def visit_desk(request: HttpRequest, pk: int) -> HttpResponse:
    """The visit recorded at a desk, through the same service as the phone's."""
    alert = selectors.alert_get(user=request.user, pk=id_or_404(pk))
    form = VisitForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            received = visit_receive(
                actor=_actor(request),
                data=VisitData(
                    client_uuid=_visit_uuid(request),
                    person=alert.person,
                    alert=alert,
                    checked_in_at=data["checked_in_at"],
                    outcome=data["outcome"],
                    reason=data["reason"],
                    referred_to=data["referred_to"],
                    items=[item.number for item in data["items"]],
                    photos=[f.read() for f in request.FILES.getlist("photos")[:10]],
                ),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, received.message)
            return redirect("monitoring:alert_detail", alert.pk)
    return render(request, "monitoring/alert_detail.html", _detail_context(request, alert, visit_form=form), status=400)


def _visit_uuid(request: HttpRequest) -> uuid.UUID:
    """The form's own UUID (a double click sends the same one), or a new one."""
    try:
        return uuid.UUID(request.POST.get("client_uuid", ""))
    except ValueError:
        return uuid.uuid4()


@role_required("monitoring.change_alert")
@require_POST
def alert_confirm_view(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get(user=request.user, pk=id_or_404(pk))
    form = ConfirmForm(request.POST)
    if form.is_valid():
        try:
            alert_confirm(
                actor=_actor(request),
                alert=alert,
                confirm=form.cleaned_data["decision"] == "confirm",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The warning is updated."))
            return redirect("monitoring:alert_detail", alert.pk)
    return render(
        request, "monitoring/alert_detail.html", _detail_context(request, alert, confirm_form=form), status=400
    )


@role_required("monitoring.view_monitoredhousehold")
def population(request: HttpRequest) -> HttpResponse:
    """The low-income population now (no window: a household that leaves it is no longer listed), by area, a keyset
    page at a time; of one group if chosen."""
    group = request.GET.get("group", "")
    group = group if group in Group.values else ""
    rows = selectors.population(user=request.user, group=group)
    page = keyset_page(
        rows, selectors.POPULATION_KEYS, cursor=cursor_of(request), size=PAGE, salt="monitoring.population"
    )
    return render(request, "monitoring/population.html", {"page": page, "group": group, "groups": Group.choices})


@role_required("monitoring.view_monitoredhousehold")
def household_file(request: HttpRequest, pk: int) -> HttpResponse:
    """一户一档: the household's groups and their history, its members, assistance and warnings."""
    monitored = get_object_or_404(
        MonitoredHousehold.objects.restrict(request.user, "view").select_related("household"), pk=id_or_404(pk)
    )
    household = monitored.household
    members = (
        household.memberships.unscoped().filter(left_on__isnull=True).select_related("person")
    )  # unscoped: the members of a household read through the door
    benefits = Benefit.objects.restrict(request.user, "view").filter(household=household).order_by("-first_month")
    alerts = selectors.alert_list(user=request.user).filter(household=household).order_by("-raised_on")[:50]
    return render(
        request,
        "monitoring/household_file.html",
        {
            "monitored": monitored,
            "household": household,
            "members": members,
            "changes": monitored.changes.all()[:50],
            "benefits": benefits,
            "alerts": alerts,
        },
    )


@role_required("monitoring.view_warningrule")
def rule_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rules = list(WarningRule.objects.order_by("code", "area_prefix", "-version"))
    for rule in rules:
        rule.in_force = rule.active and rule.valid_from <= today and (rule.valid_to is None or rule.valid_to >= today)  # type: ignore[attr-defined]
        rule.described = describe(rule.kind, rule.source, rule.condition)  # type: ignore[attr-defined]
    return render(request, "monitoring/rule_list.html", {"rules": rules})


@role_required("monitoring.add_warningrule")
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A new rule, or a new version of one; "Preview" counts the warnings it would raise, writing nothing."""
    base = get_object_or_404(WarningRule, pk=id_or_404(pk)) if pk is not None else None
    preview = None
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            fields = {
                "code": data["code"],
                "name": data["name"],
                "kind": form.kind,
                "source": data["source"],
                "condition": form.condition(),
                "severity": data["severity"],
                "deadline_days": data["deadline_days"],
                "recipients": data["recipients"],
                "area_prefix": data["area_prefix"] or "",
            }
            try:
                if "preview" in request.POST:
                    preview = rule_preview(
                        actor=_actor(request), rule=WarningRule(valid_from=data["valid_from"], **fields)
                    )
                else:
                    rule = rule_save(
                        actor=_actor(request),
                        valid_from=data["valid_from"],
                        active=data["active"],
                        note=data["note"],
                        **fields,
                    )
                    messages.success(
                        request, _("Rule %(name)s saved as version %(v)s.") % {"name": rule.name, "v": rule.version}
                    )
                    return redirect("monitoring:rule_list")
            except ValidationError as exc:
                add_service_errors(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
    else:
        initial: dict[str, Any] = {"valid_from": timezone.localdate() + dt.timedelta(days=1), "active": True}
        if base is not None:
            initial.update(
                code=base.code,
                name=base.name,
                source=base.source,
                severity=base.severity,
                deadline_days=base.deadline_days,
                recipients=base.recipients,
                area_prefix=base.area_prefix,
                active=base.active,
                amount_at_least=(base.condition.get("amount_at_least_fen") or 0) / 100 or None,
                column=base.condition.get("column", ""),
                values=",".join(base.condition.get("in", [])),
            )
        form = RuleForm(initial=initial)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "monitoring/rule_form.html",
        {"form": form, "base": base, "preview": preview, "object_rules": OBJECT_RULES},
        status=status,
    )
