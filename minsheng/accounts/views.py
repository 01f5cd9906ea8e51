from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from minsheng.accounts import selectors, services
from minsheng.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    ReasonForm,
    RoleAssignmentForm,
    SetPasswordForm,
    UserCreateForm,
)
from minsheng.accounts.middleware import ACTIVE_ASSIGNMENT_SESSION_KEY
from minsheng.accounts.models import RoleRequest, User
from minsheng.accounts.typing import AuthenticatedRequest
from minsheng.core.decorators import role_required
from minsheng.core.forms import add_service_errors
from minsheng.core.middleware import client_ip


def _too_many_failures() -> str:
    return _("Too many failed attempts from this computer. Wait a few minutes and try again.")


def _user_agent(request: HttpRequest) -> str:
    return str(request.META.get("HTTP_USER_AGENT", ""))[:300]


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
def scope_select(request: AuthenticatedRequest) -> HttpResponseBase:
    """Pick one of the user's assignments as the area to work in, or all of them (empty value)."""
    user = request.user
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
def user_list(request: AuthenticatedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    users = selectors.user_list(actor=request.user, query=query)
    role_requests = selectors.role_request_pending(actor=request.user)
    return render(request, "accounts/user_list.html", {"users": users, "query": query, "role_requests": role_requests})


@role_required("accounts.manage_users")
def user_create(request: AuthenticatedRequest) -> HttpResponse:
    actor = request.user
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


def _managed_areas(actor: User) -> list[str]:
    return [scope.prefix for scope in actor.scopes_for("accounts.change_user")]


def _detail_context(
    request: AuthenticatedRequest, user: User, *, role_form: RoleAssignmentForm | None = None
) -> dict[str, Any]:
    actor = request.user
    return {
        "account": user,
        "assignments": user.role_assignments.select_related("division", "department").order_by("role"),
        "role_requests": selectors.role_request_pending(actor=actor, user=user),
        "sessions": selectors.session_list(user=user),
        "role_form": role_form
        or RoleAssignmentForm(divisions=selectors.managed_divisions(actor=actor), areas=_managed_areas(actor)),
        "reason_form": ReasonForm(),
    }


@role_required("accounts.manage_users")
def user_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = selectors.user_get(actor=request.user, pk=pk)
    return render(request, "accounts/user_detail.html", _detail_context(request, user))


@role_required("accounts.manage_users")
@require_POST
def role_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    user = selectors.user_get(actor=actor, pk=pk)
    form = RoleAssignmentForm(
        request.POST, divisions=selectors.managed_divisions(actor=actor), areas=_managed_areas(actor)
    )
    status = 400
    if form.is_valid():
        try:
            granted = services.role_assignment_add(actor=actor, user=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            status = 403
        else:
            if isinstance(granted, RoleRequest):
                messages.warning(
                    request,
                    _(
                        "This role moves money, approves or administers accounts: "
                        "it is given when another administrator confirms it."
                    ),
                )
            else:
                messages.success(request, _("Role added."))
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_detail.html", _detail_context(request, user, role_form=form), status=status)


@role_required("accounts.manage_users")
@require_POST
def role_remove(request: AuthenticatedRequest, pk: int, assignment_pk: int) -> HttpResponse:
    actor = request.user
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
def user_set_active(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
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


# Passwords ---------------------------------------------------------------------------------------------------


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's own password (Django's view and form; the policy is checked by the service the form calls).

    Also the page every other page sends to while the password must be changed (``PasswordChangeRequiredMiddleware``).
    Wrong old passwords count against the sign-in throttle: an open session on a shared PC is no guessing machine.
    """

    form_class = PasswordChangeForm
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("home")
    request: AuthenticatedRequest  # Django's view requires the login

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["reason"] = self.request.user.password_change_reason()
        context["max_age_days"] = settings.PASSWORD_MAX_AGE_DAYS
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if services.login_is_throttled(username=request.user.get_username(), client_ip=client_ip(request)):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _too_many_failures())
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:  # type: ignore[override]
        form.session_key = self.request.session.session_key
        try:
            # form.save() (the service), then Django renews the session key so this session stays signed in.
            response = super().form_valid(form)
        except ValidationError as exc:
            form.add_error("new_password1", exc)
            return self.form_invalid(form)
        services.session_record(
            user=form.user,
            session_key=self.request.session.session_key or "",
            user_agent=_user_agent(self.request),
            client_ip=client_ip(self.request),
        )
        messages.success(self.request, _("Your password has been changed. Your other sessions have ended."))
        return response

    def form_invalid(self, form: PasswordChangeForm) -> HttpResponse:  # type: ignore[override]
        status = 400 if self.request.method == "POST" else 200
        if "old_password" in form.errors:
            services.login_attempt_record(
                username=self.request.user.get_username(), client_ip=client_ip(self.request), user=None
            )
        return self.render_to_response(self.get_context_data(form=form), status=status)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The one-time link of an administrator's reset: its holder chooses a new password (Django's view and token)."""

    form_class = SetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:  # type: ignore[override]
        try:
            response = super().form_valid(form)
        except ValidationError as exc:
            form.add_error("new_password1", exc)
            return self.form_invalid(form)
        messages.success(self.request, _("Your new password is set. Sign in with it."))
        return response

    def form_invalid(self, form: SetPasswordForm) -> HttpResponse:  # type: ignore[override]
        return self.render_to_response(self.get_context_data(form=form), status=400)


@never_cache
@role_required("accounts.manage_users")
@require_POST
def user_password_reset(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Reset an account's password: the old one stops, and a one-time link is shown once, to hand to its holder."""
    actor = request.user
    user = selectors.user_get(actor=actor, pk=pk)
    try:
        link = services.user_password_reset_issue(actor=actor, user=user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("accounts:user_detail", pk=user.pk)
    url = request.build_absolute_uri(
        reverse("accounts:password_reset_confirm", kwargs={"uidb64": link.uidb64, "token": link.token})
    )
    # never_cache: the page holds the link; it must not stay in the browser's cache of a shared PC.
    return render(
        request, "accounts/password_reset_link.html", {"account": user, "url": url, "expires_at": link.expires_at}
    )


# Sessions ----------------------------------------------------------------------------------------------------


@login_required
def session_list(request: AuthenticatedRequest) -> HttpResponse:
    """The signed-in user's own sessions: device, address, last activity; end one or all others."""
    return render(
        request,
        "accounts/session_list.html",
        {"sessions": selectors.session_list(user=request.user), "current_key": request.session.session_key},
    )


def _int_or_none(value: str) -> int | None:
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 0 < number < 2**63 else None


@login_required
@require_POST
def session_end(request: AuthenticatedRequest) -> HttpResponse:
    actor = request.user
    current = request.session.session_key
    if request.POST.get("others"):
        ended = services.sessions_end_others(actor=actor, current_key=current)
        messages.success(request, _("Other sessions ended: %(count)d.") % {"count": ended})
    else:
        session_id = _int_or_none(request.POST.get("session", ""))
        if session_id is not None and services.session_end(actor=actor, session_id=session_id, current_key=current):
            messages.success(request, _("The session has ended."))
        else:
            messages.info(request, _("That session has ended already."))
    return redirect("accounts:session_list")


@role_required("accounts.manage_users")
@require_POST
def user_sessions_end(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    user = selectors.user_get(actor=actor, pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect("accounts:user_detail", pk=user.pk)
    ended = services.user_sessions_end(actor=actor, user=user, reason=form.cleaned_data["reason"])
    messages.success(request, _("Sessions ended: %(count)d.") % {"count": ended})
    return redirect("accounts:user_detail", pk=user.pk)


# Role requests (separation of duties) ------------------------------------------------------------------------


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("accounts:user_list")
    return redirect(target)


@role_required("accounts.manage_users")
@require_POST
def role_request_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    role_request = selectors.role_request_get(actor=actor, pk=pk)
    try:
        services.role_request_confirm(actor=actor, request=role_request)
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Role confirmed and given."))
    return _back(request)


@role_required("accounts.manage_users")
@require_POST
def role_request_reject(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    actor = request.user
    role_request = selectors.role_request_get(actor=actor, pk=pk)
    try:
        services.role_request_reject(actor=actor, request=role_request, note=request.POST.get("note", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc))
    else:
        messages.success(request, _("Role request rejected."))
    return _back(request)
