"""Account pages: log in, change one's password, the first run, the community's and the street's
accounts, invite codes and joining a household. Short views: form -> service -> page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.accounts import selectors, services
from shequ.accounts.forms import (
    CommunityForm,
    InviteForm,
    JoinForm,
    LoginForm,
    MemberForm,
    MemberLinksForm,
    MembersImportForm,
    SetupForm,
)
from shequ.accounts.imports import ListFileError, import_members
from shequ.accounts.models import Role, User
from shequ.audit.services import client_address
from shequ.core.forms import add_service_errors
from shequ.core.http import ScopedRequest
from shequ.core.pdf import qr_svg
from shequ.core.privacy import personal_data
from shequ.core.scoping import require
from shequ.core.submission import earlier_result, run_once
from shequ.registry.models import Community

SLIPS_SESSION_KEY = "accounts_slips"
INVITES_SESSION_KEY = "accounts_invites"
# Roles whose phones may stay signed in for a shift: they work at a post, not in the office.
FIELD_ROLES = frozenset({Role.GATE_GUARD, Role.VOLUNTEER, Role.SAMPLER})
PAGE_SIZE = 50


# -- logging in -----------------------------------------------------------------------------------
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:  # a LoginForm (authentication_form)
        user = form.get_user()
        auth_login(self.request, user)
        if user.must_change_password:
            # The one-time password is used up now; this session alone may set the new one.
            services.one_time_password_consume(user=user)
            update_session_auth_hash(self.request, user)
            return redirect("accounts:password_change")
        if form.cleaned_data.get("field_phone"):
            _keep_for_shift(self.request, user)
        return redirect(self.get_success_url())

    def get_initial(self) -> dict[str, Any]:
        # The login QR of a one-time password slip fills the username in.
        return {"username": self.request.GET.get("username", "")[:150]}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["first_run"] = not Community.objects.exists()
        return context


def _keep_for_shift(request: HttpRequest, user: User) -> None:
    """A field phone (a guard's, a volunteer's or a sampler's, holding no office role) stays signed in
    until the shift's end (SHEQU_FIELD_SESSION_HOURS) instead of the office's idle limit."""
    roles = set(user.memberships.values_list("role", flat=True))
    if roles and roles <= FIELD_ROLES:
        request.session.set_expiry(timezone.now() + dt.timedelta(hours=settings.SHEQU_FIELD_SESSION_HOURS))
        request.session["field_phone"] = True
    else:
        messages.info(request, _("Office accounts are signed out after %(minutes)d idle minutes, as always.")
                      % {"minutes": settings.SESSION_COOKIE_AGE // 60})


@personal_data
def password_change(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    forced = request.user.must_change_password
    form_class = SetPasswordForm if forced or not request.user.has_usable_password() else PasswordChangeForm
    form = form_class(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.password_change(user=request.user, password=form.cleaned_data["new_password1"],
                                        request=request)
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password is changed."))
        return redirect("home")
    return render(request, "accounts/password_change.html", {"form": form, "forced": forced})


# -- first run --------------------------------------------------------------------------------------
def _from_this_machine(request: HttpRequest) -> bool:
    """The request comes from the server itself, not through a proxy that forwards others."""
    if settings.SHEQU_PROXY_COUNT == 0 and request.META.get("HTTP_X_FORWARDED_FOR"):
        return False
    return client_address(request) in {"127.0.0.1", "::1"}


@personal_data
def setup(request: HttpRequest) -> HttpResponse:
    """The first-run page: only while no community exists; from the server itself, or with the code
    ``shequ setup --code`` printed."""
    if Community.objects.exists():
        raise Http404
    local = _from_this_machine(request)
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not local and not services.setup_code_valid(data["setup_code"]):
            user_login_failed.send(sender=__name__, credentials={"username": "setup"}, request=request)
            form.add_error("setup_code", _("Give the setup code that shequ setup --code printed on the server."))
        else:
            try:
                created = services.first_community_setup(
                    street_code=data["street_code"], street_name=data["street_name"], code=data["code"],
                    name=data["name"], secretary_name=data["secretary_name"],
                    secretary_phone=data["secretary_phone"], secretary_username=data["secretary_username"],
                    request=request)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return render(request, "accounts/setup_done.html", {"created": created})
    return render(request, "accounts/setup.html", {"form": form, "local": local})


# -- the community's accounts -----------------------------------------------------------------------
def _community(request: HttpRequest, communities: list[Community]) -> Community:
    """The community the page is about: the one asked for, among those the reader manages (another
    is a 404), or their first."""
    if not communities:
        raise PermissionDenied
    wanted = request.POST.get("community") or request.GET.get("community")
    if not wanted:
        return communities[0]
    for community in communities:
        if str(community.pk) == wanted:
            return community
    raise Http404


def _remember_slips(request: HttpRequest, accounts: list[services.NewAccount]) -> None:
    """One-time passwords are shown once, on the slips page; the session keeps them until then."""
    request.session[SLIPS_SESSION_KEY] = [
        {"user": a.user.pk, "username": a.user.username, "name": a.user.first_name, "password": a.password,
         "role": a.membership.role} for a in accounts]


@personal_data
@require("accounts.manage")
def members(request: ScopedRequest) -> HttpResponse:
    communities = selectors.managed_communities(request.scope)
    community = _community(request, communities)
    role = request.GET.get("role") if request.GET.get("role") in Role.values else None
    q = request.GET.get("q", "")
    users = selectors.member_list(request.scope, community=community, role=role, q=q)
    page = Paginator(users, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/members.html", {
        "page": page, "community": community, "communities": communities, "role": role or "", "q": q,
        "roles": Role.choices, "grantable": services.grantable_roles(request.user, community)})


@personal_data
@require("accounts.manage")
def member_add(request: ScopedRequest) -> HttpResponse:
    communities = selectors.managed_communities(request.scope)
    community = _community(request, communities)
    roles = services.grantable_roles(request.user, community)
    if request.method == "POST" and (earlier := earlier_result(request)) is not None:
        return redirect(earlier)
    form = MemberForm(request.POST or None, community=community, roles=roles)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household = _household(request, community, form)
        if not form.errors:
            try:
                def create() -> str:
                    account = services.member_create(
                        actor=request.user, community=community, name=data["name"], phone=data["phone"],
                        username=data["username"], role=data["role"], grid=data["grid"],
                        property_company=data["property_company"], household=household, request=request)
                    _remember_slips(request, [account])
                    return reverse("accounts:slips")
                return redirect(run_once(request, create))
            except ValidationError as exc:
                add_service_errors(form, exc)
    return render(request, "accounts/member_add.html", {"form": form, "community": community,
                                                        "communities": communities})


def _household(request: ScopedRequest, community: Community, form: MemberLinksForm) -> Any:
    data = form.cleaned_data
    if data.get("role") != Role.RESIDENT:
        return None
    found = selectors.households_at(request.scope, community, data.get("address", ""))
    if len(found) != 1:
        form.add_error("address", _("No household lives at this address.") if not found else
                       _("Several households live at this address: add the resident from the household's invite code."))
        return None
    return found[0]


MEMBER_ACTIONS = ("role", "deactivate", "reactivate", "password", "sign_out")


@personal_data
@require_http_methods(["GET", "POST"])
def member(request: ScopedRequest, pk: int) -> HttpResponse:
    """One account: its roles, last login; change the role, deactivate, a one-time password, sign
    out everywhere. For the community office and the street office."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    if not (request.scope.can("accounts.manage") or request.scope.can("accounts.street")):
        raise PermissionDenied
    user = selectors.member_get(request.scope, pk)
    memberships = list(user.memberships.all())
    editable = next((m for m in memberships if m.community is not None
                     and m.role in services.grantable_roles(request.user, m.community)), None)
    role_form = None
    if editable is not None:
        assert editable.community is not None  # chosen so above
        role_form = MemberLinksForm(
            request.POST if request.POST.get("action") == "role" else None, community=editable.community,
            roles=services.grantable_roles(request.user, editable.community),
            initial={"role": editable.role, "grid": editable.grid_id, "property_company": editable.property_company_id})
    if request.method == "POST":
        action = request.POST.get("action")
        if action not in MEMBER_ACTIONS:
            raise Http404
        try:
            if action == "role":
                if role_form is None or editable is None:
                    raise ValidationError(_("You may not change this account's role."))
                if role_form.is_valid():
                    household = _household(request, role_form.community, role_form)
                    if not role_form.errors:
                        data = role_form.cleaned_data
                        services.member_role_change(actor=request.user, membership=editable, role=data["role"],
                                                    grid=data["grid"], property_company=data["property_company"],
                                                    household=household, request=request)
                        messages.success(request, _("The role is changed."))
                        return redirect("accounts:member", pk=user.pk)
            elif action in ("deactivate", "reactivate"):
                services.member_set_active(actor=request.user, user=user, active=action == "reactivate",
                                           request=request)
                messages.success(request, _("The account is deactivated: it stopped working at once.")
                                 if action == "deactivate" else _("The account is active again."))
                return redirect("accounts:member", pk=user.pk)
            elif action == "password":
                password = services.member_password_reset(actor=request.user, user=user, request=request)
                # (the user was found through a membership: member_get)
                _remember_slips(request, [services.NewAccount(user, memberships[0], password)])
                return redirect("accounts:slips")
            elif action == "sign_out":
                services.member_sign_out(actor=request.user, user=user, request=request)
                messages.success(request, _("Signed out everywhere: every phone and computer of this account must log "
                                            "in again."))
                return redirect("accounts:member", pk=user.pk)
        except ValidationError as exc:
            if role_form is not None and action == "role":
                add_service_errors(role_form, exc)
            else:
                for message in exc.messages:
                    messages.error(request, message)
                return redirect("accounts:member", pk=user.pk)
    return render(request, "accounts/member.html", {
        "member": user, "memberships": memberships, "role_form": role_form, "editable": editable,
        "manageable": services.may_manage(request.user, user)})


@personal_data
@require("accounts.manage")
def members_import(request: ScopedRequest) -> HttpResponse:
    communities = selectors.managed_communities(request.scope)
    community = _community(request, communities)
    form = MembersImportForm(request.POST or None, request.FILES or None, communities=communities,
                             initial={"community": community.pk})
    result = None
    if request.method == "POST" and form.is_valid():
        community = form.cleaned_data["community"] or community
        upload = form.cleaned_data["file"]
        try:
            result = import_members(actor=request.user, community=community, data=upload.read(),
                                    filename=upload.name, request=request)
        except ListFileError as exc:
            form.add_error("file", _("The file cannot be read: %(reason)s") % {"reason": exc})
        else:
            if result.created:
                _remember_slips(request, result.created)
    return render(request, "accounts/members_import.html", {"form": form, "result": result, "community": community})


@personal_data
def slips(request: ScopedRequest) -> HttpResponse:
    """The one-time passwords just issued, once, as slips to print or read out: username, password and a
    QR that opens the login page with the username filled in."""
    if not request.user.is_authenticated:
        return redirect(f"{reverse('accounts:login')}?next={request.path}")
    if not (request.scope.can("accounts.manage") or request.scope.can("accounts.street")):
        raise PermissionDenied
    issued = request.session.pop(SLIPS_SESSION_KEY, None)
    if not issued:
        raise Http404
    login_url = request.build_absolute_uri(reverse("accounts:login"))
    for slip in issued:
        # segno's own SVG markup of our login URL and a username we validated.
        slip["qr"] = mark_safe(qr_svg(f"{login_url}?username={slip['username']}", scale=3))  # noqa: S308
        slip["role_label"] = Role(slip["role"]).label if slip["role"] in Role.values else ""
    hours = settings.SHEQU_ONE_TIME_PASSWORD_HOURS
    return render(request, "accounts/slips.html", {"slips": issued, "hours": hours})


# -- the street office ------------------------------------------------------------------------------
@personal_data
@require("accounts.street")
def street(request: ScopedRequest) -> HttpResponse:
    streets = _streets(request)
    communities = list(selectors.street_communities(request.scope))
    form = CommunityForm(request.POST or None, streets=streets)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            created = services.community_create(
                actor=request.user, street=data["street"], code=data["code"], name=data["name"],
                secretary_name=data["secretary_name"], secretary_phone=data["secretary_phone"],
                secretary_username=data["secretary_username"], request=request)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _remember_slips(request, [created.secretary])
            return redirect("accounts:slips")
    counts = selectors.role_counts(communities)
    shown_roles = [(value, label) for value, label in Role.choices if value != Role.STREET]
    rows = [{"community": c, "counts": [counts[c.pk].get(value, 0) for value, _label in shown_roles]}
            for c in communities]
    community = None
    wanted = request.GET.get("community")
    if wanted:
        community = next((c for c in communities if str(c.pk) == wanted), None)
        if community is None:
            raise Http404
    accounts = Paginator(selectors.member_list(request.scope, community=community, q=request.GET.get("q", ""),
                                               residents=False), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/street.html", {"form": form, "rows": rows, "roles": shown_roles,
                                                    "community": community, "page": accounts})


def _streets(request: ScopedRequest) -> Any:
    return selectors.own_streets(request.scope)


# -- invite codes ---------------------------------------------------------------------------------
@personal_data
@require("accounts.manage")
def residents(request: ScopedRequest) -> HttpResponse:
    """Who has joined which household; issue (or reissue) a household's invite code."""
    communities = selectors.managed_communities(request.scope)
    community = _community(request, communities)
    form = InviteForm(request.POST or None, communities=communities, initial={"community": community.pk})
    if request.method == "POST" and form.is_valid():
        community = form.cleaned_data["community"] or community
        found = selectors.households_at(request.scope, community, form.cleaned_data["address"])
        if not found:
            form.add_error("address", _("No household lives at this address."))
        else:
            issued = []
            for household in found:
                code = services.invite_issue(actor=request.user, household=household, request=request)
                issued.append({"household": household.pk, "code": code})
            request.session[INVITES_SESSION_KEY] = issued
            return redirect("accounts:invites")
    joined = Paginator(selectors.joined_households(request.scope, community), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "accounts/residents.html", {"form": form, "page": joined, "community": community})


@personal_data
@require("accounts.manage")
def invites(request: ScopedRequest) -> HttpResponse:
    """The invite codes just issued, once, as door notices to print: the code and its QR."""

    issued = request.session.pop(INVITES_SESSION_KEY, None)
    if not issued:
        raise Http404
    households = {h.pk: h for h in selectors.households_by_id(request.scope, [i["household"] for i in issued])}
    join_url = request.build_absolute_uri(reverse("accounts:join"))
    notices = [{"household": households[i["household"]], "code": i["code"],
                "qr": mark_safe(qr_svg(f"{join_url}?code={i['code']}", scale=4))}  # noqa: S308 - segno's markup
               for i in issued if i["household"] in households]
    return render(request, "accounts/invites.html", {"notices": notices, "join_url": join_url})


INVITE_THROTTLE = "invite"


@personal_data
def join(request: HttpRequest) -> HttpResponse:
    """A resident opens the invite (the QR on the notice), confirms who they are, sets a password and
    is logged in. A wrong code or a wrong confirmation counts as a failed login (django-axes)."""
    if request.user.is_authenticated:
        return redirect("home")
    form = JoinForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invite = services.invite_lookup(data["code"])
        key = {"username": f"{INVITE_THROTTLE}:{invite.pk}" if invite else INVITE_THROTTLE}
        if not AxesProxyHandler.is_allowed(request, key):
            return render(request, "accounts/locked_out.html", status=429)
        try:
            if invite is None:
                raise services.InviteMismatch({"code": _("This invite code is unknown or was replaced by a new one.")})
            user = services.invite_join(invite=invite, name=data["name"], digits=data["digits"],
                                        password=data["password1"], family=data["family"],
                                        username=data["username"], phone=data["phone"], request=request)
        except services.InviteMismatch as exc:
            user_login_failed.send(sender=__name__, credentials=key, request=request)
            add_service_errors(form, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome. Your username is %(username)s.") % {"username": user.username})
            return redirect("home")
    return render(request, "accounts/join.html", {"form": form})

