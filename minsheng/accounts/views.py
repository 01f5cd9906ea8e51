from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minsheng.accounts import selectors, services
from minsheng.accounts.forms import LoginForm, ReasonForm, RoleAssignmentForm, UserCreateForm
from minsheng.accounts.middleware import ACTIVE_ASSIGNMENT_SESSION_KEY
from minsheng.accounts.models import User
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.middleware import client_ip


def _too_many_failures() -> str:
    return _("Too many failed attempts from this computer. Wait a few minutes and try again.")


class LoginView(auth_views.LoginView):
    """Sign-in, refused for a while after repeated failures for the account or from the address."""

    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "").strip()
        if services.login_is_throttled(username=username, client_ip=client_ip(request)):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _too_many_failures())
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        services.login_attempt_record(
            username=form.get_user().get_username(), client_ip=client_ip(self.request), user=form.get_user()
        )
        return response

    def form_invalid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]
        username = self.request.POST.get("username", "").strip()
        if username:
            services.login_attempt_record(username=username, client_ip=client_ip(self.request), user=None)
        return super().form_invalid(form)


@login_required
@require_POST
def scope_select(request: HttpRequest) -> HttpResponseBase:
    """Pick one of the user's assignments as the area to work in, or all of them (empty value)."""
    user: User = request.user  # type: ignore[assignment]
    chosen = request.POST.get("assignment", "")
    if chosen:
        assignment = next((a for a in user.assignments if str(a.pk) == chosen), None)
        if assignment is None:
            raise PermissionDenied
        request.session[ACTIVE_ASSIGNMENT_SESSION_KEY] = assignment.pk
    else:
        request.session.pop(ACTIVE_ASSIGNMENT_SESSION_KEY, None)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "home"
    return redirect(target)


@role_required("accounts.manage_users")
def user_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    users = selectors.user_list(actor=request.user, query=query)  # type: ignore[arg-type]
    return render(request, "accounts/user_list.html", {"users": users, "query": query})


@role_required("accounts.manage_users")
def user_create(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    form = UserCreateForm(request.POST or None, divisions=selectors.managed_divisions(actor=actor))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_create(actor=actor, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Account %(name)s created. Now give it a role.") % {"name": user.username})
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form}, status=400 if form.errors else 200)


@role_required("accounts.manage_users")
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    user = selectors.user_get(actor=actor, pk=pk)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": user,
            "assignments": user.role_assignments.select_related("division", "department").order_by("role"),
            "role_form": RoleAssignmentForm(divisions=selectors.managed_divisions(actor=actor)),
            "reason_form": ReasonForm(),
        },
    )


@role_required("accounts.manage_users")
@require_POST
def role_add(request: HttpRequest, pk: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    user = selectors.user_get(actor=actor, pk=pk)
    form = RoleAssignmentForm(request.POST, divisions=selectors.managed_divisions(actor=actor))
    if form.is_valid():
        try:
            services.role_assignment_add(actor=actor, user=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Role added."))
            return redirect("accounts:user_detail", pk=user.pk)
    context = {
        "account": user,
        "assignments": user.role_assignments.select_related("division", "department").order_by("role"),
        "role_form": form,
        "reason_form": ReasonForm(),
    }
    return render(request, "accounts/user_detail.html", context, status=400)


@role_required("accounts.manage_users")
@require_POST
def role_remove(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    user = selectors.user_get(actor=actor, pk=pk)
    assignment = get_object_or_404(user.role_assignments.select_related("division"), pk=assignment_pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for removing the role."))
        return redirect("accounts:user_detail", pk=user.pk)
    services.role_assignment_remove(actor=actor, assignment=assignment, reason=form.cleaned_data["reason"])
    messages.success(request, _("Role removed."))
    return redirect("accounts:user_detail", pk=user.pk)


@role_required("accounts.manage_users")
@require_POST
def user_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    user = selectors.user_get(actor=actor, pk=pk)
    form = ReasonForm(request.POST)
    is_active = request.POST.get("active") == "1"
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect("accounts:user_detail", pk=user.pk)
    try:
        services.user_set_active(actor=actor, user=user, is_active=is_active, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Account enabled.") if is_active else _("Account disabled."))
    return redirect("accounts:user_detail", pk=user.pk)
