"""Pages of temporary assistance (临时救助): list, record at the window, case page with its actions, prompts."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts.models import User
from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.assistance.means.models import Assessment
from minsheng.assistance.pdf import notice_viewed
from minsheng.assistance.rules.selectors import MissingParameter, parameter_for
from minsheng.assistance.temporary import notices, selectors, services
from minsheng.assistance.temporary.forms import (
    DecisionForm,
    PapersForm,
    PromptCloseForm,
    ReferralForm,
    ReferralOutcomeForm,
    TemporaryAidForm,
)
from minsheng.assistance.temporary.models import (
    ADD,
    CHANGE,
    CLOSE_PROMPT,
    DECIDE,
    REFER,
    TEMPORARY_ITEMS,
    VIEW,
    AssessmentPrompt,
    Referral,
    TemporaryAid,
)
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.keyset import cursor_of, keyset_page, since_of
from minsheng.core.numbers import parse_id
from minsheng.core.pdf import pdf_response, render_notice
from minsheng.core.scoping import scope_allows
from minsheng.intake.models import ItemCase
from minsheng.people import selectors as people
from minsheng.people.models import Person

Status = TemporaryAid.Status
LIST_PAGE = 50


def any_permission_required(*permissions: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Anonymous users go to the login page; users holding none of ``permissions`` get 403."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not any(request.user.has_perm(p) for p in permissions):
                raise PermissionDenied
            response: HttpResponse = view(request, *args, **kwargs)
            return response

        return login_required(wrapped)

    return decorate


def _window_area(actor: User) -> str | None:
    """The actor's first area where they may record temporary assistance (for the guidance shown)."""
    for scope in actor.scopes_for(ADD):
        return scope.prefix.ljust(12, "0")
    return None


def _guidance(area_code: str | None) -> dict[str, Any]:
    """The township cap and the bands for an area today, as guidance in the forms."""
    if area_code is None:
        return {"bands": [], "cap": None}
    today = timezone.localdate()
    try:
        cap = parameter_for("linshi.township_cap", area_code=area_code, on=today)
    except MissingParameter:
        cap = None
    return {"bands": selectors.bands_for(area_code=area_code, on=today), "cap": cap}


@role_required(VIEW)
def temporary_list(request: AuthenticatedRequest) -> HttpResponse:
    """The cases of the user's areas, newest first, a keyset page at a time: open ones all, closed ones recorded in
    the window (by default the last ``LIST_WINDOW_DAYS`` days; the user chooses an earlier day). The overdue count
    reads at most ``COUNT_CAP + 1`` cases."""
    actor = request.user
    today = timezone.localdate()
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    overdue_only = request.GET.get("overdue") == "1"
    since = since_of(request) or today - dt.timedelta(days=selectors.LIST_WINDOW_DAYS)
    aids = selectors.temporary_aid_page_rows(
        user=actor,
        closed_since=timezone.make_aware(dt.datetime.combine(since, dt.time.min)),
        status=status,
        overdue=overdue_only,
        today=today,
    )
    page = keyset_page(aids, selectors.AID_KEYS, cursor=cursor_of(request), size=LIST_PAGE, salt="assistance.temporary")
    can_add = actor.has_perm(ADD)
    waiting = (
        list(selectors.items_waiting(user=actor)[:50]) if can_add and actor.has_perm("intake.view_itemcase") else []
    )
    overdue_count, overdue_capped = selectors.overdue_count(user=actor, today=today)
    context = {
        "page": page,
        "rows": [(aid, selectors.papers_overdue(aid, today)) for aid in page.rows],
        "statuses": Status.choices,
        "status": status,
        "overdue_only": overdue_only,
        "overdue_count": overdue_count,
        "overdue_capped": overdue_capped,
        "since": since,
        "can_add": can_add,
        "waiting": waiting,
    }
    return render(request, "assistance/temporary/list.html", context)


def _id_or_404(text: str) -> int:
    pk = parse_id(text)
    if pk is None:
        raise Http404
    return pk


@role_required(ADD)
def temporary_new(request: AuthenticatedRequest) -> HttpResponse:
    actor = request.user
    person: Person | None = None
    item_case: ItemCase | None = None
    # An id that is given must be an id (``²`` or 40 digits is a 404, not a server error); an empty one is ignored.
    case_id, person_id = (request.GET.get(key) or None for key in ("case", "person"))
    if case_id is not None:
        item_case = get_object_or_404(
            ItemCase.objects.restrict(actor, "view")
            .filter(item__number__in=list(TEMPORARY_ITEMS))
            .select_related("item", "application__person"),
            pk=_id_or_404(case_id),
        )
        person = item_case.application.person
    elif person_id is not None:
        person = people.person_get(user=actor, pk=_id_or_404(person_id))
    form = TemporaryAidForm(request.POST or None, fixed_person=person is not None, fixed_kind=item_case is not None)
    if request.method == "POST" and form.is_valid():
        applicant = person
        if applicant is None:
            query = people.PersonQuery(id_number=form.cleaned_data["id_number"])
            applicant = people.person_search(user=actor, query=query).first()
            if applicant is None:
                form.add_error(
                    "id_number", _("No person with this ID number in your areas. Register the person first.")
                )
        if applicant is not None:
            kind = TEMPORARY_ITEMS[item_case.item.number] if item_case else form.cleaned_data["kind"]
            try:
                aid = services.temporary_aid_open(
                    actor=actor,
                    person=applicant,
                    kind=kind,
                    event=form.cleaned_data["event"],
                    requested_fen=form.cleaned_data["amount"],
                    item_case=item_case,
                    special_hardship=form.cleaned_data["special_hardship"],
                    goods=form.cleaned_data["goods"],
                    goods_value_fen=form.cleaned_data["goods_value"] or 0,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                if aid.status == Status.PAID_FIRST:
                    messages.success(
                        request,
                        _("Paid first and recorded. The papers are due by %(date)s.") % {"date": aid.papers_due},
                    )
                else:
                    messages.success(
                        request, _("The case is recorded: %(status)s.") % {"status": aid.get_status_display()}
                    )
                return redirect("assistance:temporary_detail", pk=aid.pk)
    area = person.hukou_area_id if person is not None else _window_area(actor)
    context = {"form": form, "person": person, "item_case": item_case, **_guidance(area)}
    return render(request, "assistance/temporary/form.html", context, status=400 if form.errors else 200)


def _means_link(household_id: int | None) -> str:
    """The household's economic-status page, when that part of the app is installed."""
    if household_id is None:
        return ""
    try:
        return reverse("assistance:household_means", kwargs={"pk": household_id})
    except NoReverseMatch:
        return ""


@role_required(VIEW)
def temporary_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    aid = selectors.temporary_aid_get(user=actor, pk=pk)
    today = timezone.localdate()
    county = scope_allows(actor, DECIDE, aid.area_code)
    township = scope_allows(actor, CHANGE, aid.area_code)
    waiting_decision = aid.status in {Status.WITH_COUNTY, Status.VERIFYING}
    bands = selectors.bands_for(area_code=aid.area_code, on=today)
    context = {
        "aid": aid,
        "overdue": selectors.papers_overdue(aid, today),
        "referrals": aid.referrals.select_related("referred_by"),
        "prompt": aid.prompts.select_related("assessment", "closed_by").first(),
        "verification": selectors.verification_of(aid) if aid.kind == TemporaryAid.Kind.EXPENSE else None,
        "means_link": _means_link(aid.household_id),
        "bands": bands,
        "requested_band": selectors.band_of(bands, aid.requested_fen),
        "year_totals": selectors.year_totals(aid.person_id, today.year, excluding=aid.pk),
        "computed": services.expense_computed(aid, today) if waiting_decision else None,
        "can_papers": aid.status == Status.PAID_FIRST and township,
        "can_decide": waiting_decision and (county or (township and aid.kind == TemporaryAid.Kind.EXPENSE)),
        "county": county,
        "can_refer": scope_allows(actor, REFER, aid.area_code),
        "decision_form": DecisionForm(),
        "papers_form": PapersForm(),
        "referral_form": ReferralForm(),
        "outcome_form": ReferralOutcomeForm(),
    }
    return render(request, "assistance/temporary/detail.html", context)


def _back(pk: int) -> HttpResponse:
    return redirect("assistance:temporary_detail", pk=pk)


def _report(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@role_required(CHANGE)
@require_POST
def temporary_papers(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    aid = selectors.temporary_aid_get(user=actor, pk=pk, action="change")
    form = PapersForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        services.temporary_aid_papers_complete(actor=actor, aid=aid, note=note)
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("The papers are complete; the case is closed."))
    return _back(aid.pk)


@any_permission_required(DECIDE, CHANGE)
@require_POST
def temporary_decide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    aid = selectors.temporary_aid_get(user=actor, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        errors = [str(e) for errors in form.errors.values() for e in errors]
        messages.error(request, " ".join(errors))
        return _back(aid.pk)
    granted = form.cleaned_data["decision"] == "grant"
    try:
        services.temporary_aid_decide(
            actor=actor,
            aid=aid,
            granted=granted,
            amount_fen=form.cleaned_data["amount"] if granted else None,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("The decision is recorded.") if not granted else _("Granted and paid."))
    return _back(aid.pk)


@role_required(REFER)
@require_POST
def temporary_refer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    aid = selectors.temporary_aid_get(user=actor, pk=pk)
    form = ReferralForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose where the case is referred to and name the organisation."))
        return _back(aid.pk)
    try:
        services.referral_record(
            actor=actor,
            aid=aid,
            kind=form.cleaned_data["kind"],
            organisation=form.cleaned_data["organisation"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("The referral is recorded."))
    return _back(aid.pk)


@role_required(REFER)
@require_POST
def referral_outcome(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    # Referrals are read through the permission to make them: whoever refers also records the outcome.
    referral = get_object_or_404(Referral.objects.restrict(actor, "add"), pk=pk)
    form = ReferralOutcomeForm(request.POST)
    try:
        services.referral_outcome_record(
            actor=actor, referral=referral, outcome=form.cleaned_data["outcome"] if form.is_valid() else ""
        )
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("The outcome of the referral is recorded."))
    return _back(referral.temporary_aid_id)


@role_required("assistance.view_assessmentprompt")
def assessment_prompts(request: AuthenticatedRequest) -> HttpResponse:
    """The open prompts all, the oldest first; or (``closed=1``) those closed in the window (by default the last
    ``LIST_WINDOW_DAYS`` days; the user chooses an earlier day), the latest closed first; a keyset page at a time."""
    actor = request.user
    show_closed = request.GET.get("closed") == "1"
    since = since_of(request) or timezone.localdate() - dt.timedelta(days=selectors.LIST_WINDOW_DAYS)
    if show_closed:
        closed_since = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
        listed = selectors.prompts_list(user=actor, closed_since=closed_since)
        keys, salt = selectors.PROMPT_CLOSED_KEYS, "assistance.prompts.closed"
    else:
        listed, keys, salt = selectors.prompts_list(user=actor), selectors.PROMPT_OPEN_KEYS, "assistance.prompts.open"
    page = keyset_page(listed, keys, cursor=cursor_of(request), size=LIST_PAGE, salt=salt)
    prompts = page.rows
    can_close = actor.has_perm(CLOSE_PROMPT)
    forms: dict[int, PromptCloseForm] = {}
    if can_close:
        # One query for the means tests of every listed household, not one per prompt.
        by_household: dict[int, list[Assessment]] = defaultdict(list)
        households = {p.household_id for p in prompts if p.closed_at is None}
        for assessment in (
            Assessment.objects.restrict(actor, "view")
            .filter(household_id__in=households)
            .order_by("-created_at", "-id")
        ):
            by_household[assessment.household_id].append(assessment)
        forms = {
            p.pk: PromptCloseForm(assessments=by_household[p.household_id], auto_id=f"prompt{p.pk}-%s")
            for p in prompts
            if p.closed_at is None
        }
    rows = [(p, forms.get(p.pk)) for p in prompts]
    return render(
        request,
        "assistance/temporary/prompts.html",
        {"rows": rows, "page": page, "show_closed": show_closed, "since": since, "can_close": can_close},
    )


@role_required(CLOSE_PROMPT)
@require_POST
def prompt_close(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    prompt = get_object_or_404(AssessmentPrompt.objects.restrict(actor, "change"), pk=pk)
    assessments = list(selectors.assessments_for_prompt(user=actor, prompt=prompt))
    form = PromptCloseForm(request.POST, assessments=assessments)
    if not form.is_valid():
        messages.error(request, _("Write down the outcome of the prompt."))
        return redirect("assistance:assessment_prompts")
    chosen = form.cleaned_data["assessment"]
    assessment = next((a for a in assessments if a.pk == chosen), None)
    try:
        services.assessment_prompt_close(
            actor=actor, prompt=prompt, outcome=form.cleaned_data["outcome"], assessment=assessment
        )
    except ValidationError as exc:
        _report(request, exc)
    else:
        messages.success(request, _("The prompt is closed."))
    return redirect("assistance:assessment_prompts")


@role_required("assistance.view_temporaryaid")
def temporary_receipt(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The receipt the recipient signs for the money (PDF), once paid."""
    aid = selectors.temporary_aid_get(user=request.user, pk=pk)
    if not aid.paid_fen:
        raise Http404("nothing paid")
    notice_viewed(actor=request.user, obj=aid, area_code=aid.area_code, what="temporary_receipt")
    receipt = aid.item_case.application.receipt_number
    return pdf_response(render_notice(notices.payment_receipt(aid)), f"temporary-receipt-{receipt}.pdf")
