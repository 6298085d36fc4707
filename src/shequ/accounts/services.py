"""Writes for accounts: API tokens, communities and their accounts, one-time passwords.

Each write that changes what a remembered API token means (the token, its user, the user's
memberships) calls ``tokencache.changed()``, so this process honours the change at once
(accounts/tokencache.py); no signal does it."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from shequ.accounts import tokencache
from shequ.accounts.access import scope_for
from shequ.accounts.models import ApiToken, InviteCode, Membership, Role, SetupCode, User
from shequ.audit.models import AuditEvent
from shequ.audit.services import audit_record, diff
from shequ.core.phone import PhoneError, normalize_phone
from shequ.core.text import clean_text, normalize_name, pinyin_full
from shequ.registry.models import Community, Grid, Household, Person, PropertyCompany, Street

SECRETARY, STAFF, GRID_WORKER, GATE_GUARD, VOLUNTEER, PROPERTY, SAMPLER, STREET, RESIDENT = (
    Role.SECRETARY, Role.STAFF, Role.GRID_WORKER, Role.GATE_GUARD, Role.VOLUNTEER, Role.PROPERTY, Role.SAMPLER,
    Role.STREET, Role.RESIDENT)

TOKEN_PREFIX = "sq_"  # noqa: S105 - a public marker, not a secret


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_hash(key: str) -> str:
    """The stored form of a token (what tokencache remembers it by)."""
    return _hash(key)


@transaction.atomic
def api_token_create(*, user: User, name: str = "", actor: Any = None,
                     purpose: str = ApiToken.Purpose.GENERAL) -> tuple[ApiToken, str]:
    """Create a token; returns the row and the plain token, which is never stored. A device purpose
    is given by the app that binds the token to its place (gates.services.gate_device_create)."""
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name, prefix=key[: len(TOKEN_PREFIX) + 6], key_hash=_hash(key),
                     purpose=purpose)
    token.full_clean()
    token.save()
    audit_record(actor=actor, username="cli", action=AuditEvent.Action.TOKEN, obj=token,
                 summary=f"created {purpose} token {token.prefix} for {user.username}")
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Any = None) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, username="cli", action=AuditEvent.Action.TOKEN, obj=token,
                     summary=f"revoked token {token.prefix} of {token.user.username}")
        # This process stops honouring it at once; others within API_TOKEN_CACHE_SECONDS.
        tokencache.changed()
    return token


def api_token_user(key: str) -> User | None:
    """The active user behind a token, or None for an unknown or revoked token."""
    token = api_token_lookup(key)
    return None if token is None else token.user


def api_token_lookup(key: str, *, related: tuple[str, ...] = ()) -> ApiToken | None:
    """The token (with its active user, and the ``related`` objects a caller names, read in the same
    query), or None for an unknown or revoked token."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    token = ApiToken.objects.select_related("user", *related).filter(key_hash=_hash(key), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Write last use at most once a minute: a gate device posts many times a second.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# -- who may grant what ------------------------------------------------------------------------------
# A role in a community -> the roles it may grant there. Never a role above one's own (the street's),
# never outside one's community: a secretary grants everything of her community, staff everything
# but secretaries. The street office grants the leadership of its communities.
GRANTS: dict[str, frozenset[str]] = {
    SECRETARY: frozenset({SECRETARY, STAFF, GRID_WORKER, GATE_GUARD, VOLUNTEER, PROPERTY, SAMPLER, RESIDENT}),
    STAFF: frozenset({STAFF, GRID_WORKER, GATE_GUARD, VOLUNTEER, PROPERTY, SAMPLER, RESIDENT}),
}
STREET_GRANTS = frozenset({SECRETARY, STAFF})
COMMUNITY_ROLES = frozenset(Role.values) - {STREET}


def grantable_roles(actor: Any, community: Community) -> frozenset[str]:
    """The roles ``actor`` may grant (and take away) in ``community``. No actor: the system itself
    (``shequ setup``, the command line)."""
    if actor is None:
        return COMMUNITY_ROLES
    if not getattr(actor, "is_active", False):
        return frozenset()
    if actor.is_superuser:
        return COMMUNITY_ROLES
    scope = scope_for(actor)
    granted: set[str] = set()
    for role in scope.roles_by_community.get(community.pk, frozenset()):
        granted |= GRANTS.get(role, frozenset())
    if community.street_id in scope.granted("street"):
        granted |= STREET_GRANTS
    return frozenset(granted)


def _refuse_unless_grantable(actor: Any, community: Community, role: str) -> None:
    if role not in grantable_roles(actor, community):
        raise ValidationError({"role": _("You may not give the role %(role)s in %(community)s.")
                               % {"role": Role(role).label if role in Role.values else role,
                                  "community": community.name}})


def may_manage(actor: Any, user: User) -> bool:
    """Whether ``actor`` may change ``user``'s account (deactivate, passwords, sessions): every role
    the user holds must be one the actor may grant, where the user holds it; the street office, which
    stands above every role of its communities, manages any account held only there. Not one's own."""
    if actor is not None and actor.pk == user.pk:
        return False
    memberships = list(user.memberships.select_related("community"))
    if not memberships:
        return actor is None or bool(getattr(actor, "is_superuser", False))
    streets = scope_for(actor).granted("street") if actor is not None else frozenset()
    return all(m.community is not None and (m.community.street_id in streets
                                            or m.role in grantable_roles(actor, m.community))
               for m in memberships)


def _refuse_unless_manageable(actor: Any, user: User) -> None:
    if not may_manage(actor, user):
        raise ValidationError(_("You may not change this account: it holds a role you cannot give, or it is your own."))


# -- one-time passwords ---------------------------------------------------------------------------
# No 0/O, 1/l/I: read aloud over the phone or copied from a slip.
_OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
OTP_LENGTH = 10


def _one_time_password() -> str:
    return "".join(secrets.choice(_OTP_ALPHABET) for _i in range(OTP_LENGTH))


def _set_one_time_password(user: User) -> str:
    password = _one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.password_expires_at = timezone.now() + dt.timedelta(hours=settings.SHEQU_ONE_TIME_PASSWORD_HOURS)
    return password


def one_time_password_expired(user: User) -> bool:
    return bool(user.must_change_password and user.password_expires_at is not None
                and user.password_expires_at <= timezone.now())


@transaction.atomic
def one_time_password_consume(*, user: User) -> None:
    """Logging in with a one-time password uses it up: the password becomes unusable, so the session
    that logged in is the only way to set the new one (the view refreshes the session's hash)."""
    if user.must_change_password:
        user.set_unusable_password()
        user.password_expires_at = None
        user.save(update_fields=["password", "password_expires_at"])


@transaction.atomic
def member_password_reset(*, actor: Any, user: User, request: Any = None) -> str:
    """A new one-time password for ``user`` (valid SHEQU_ONE_TIME_PASSWORD_HOURS, to change at the first
    login); their sessions end. Returns the password, which is stored only hashed."""
    _refuse_unless_manageable(actor, user)
    if not user.is_active:
        raise ValidationError(_("The account is deactivated: reactivate it first."))
    password = _set_one_time_password(user)
    user.session_version += 1
    user.save(update_fields=["password", "must_change_password", "password_expires_at", "session_version"])
    audit_record(actor=actor, username="cli", action=AuditEvent.Action.UPDATE, community=_community_of(user),
                 obj=user, summary=f"one-time password issued for {user.username}", request=request)
    return password


@transaction.atomic
def password_change(*, user: User, password: str, request: Any = None) -> User:
    """The user sets their own password (Django's validators). Ends a one-time password."""
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.must_change_password = False
    user.password_expires_at = None
    user.save(update_fields=["password", "must_change_password", "password_expires_at"])
    audit_record(actor=user, action=AuditEvent.Action.UPDATE, community=_community_of(user), obj=user,
                 summary=f"password changed by {user.username}", request=request)
    return user


# -- accounts --------------------------------------------------------------------------------------
def _community_of(user: User) -> Community | None:
    membership = user.memberships.select_related("community").filter(community__isnull=False).first()
    return membership.community if membership else None


def _snapshot(membership: Membership) -> dict[str, Any]:
    return {"role": membership.role, "community": membership.community_id, "grid": membership.grid_id,
            "property_company": membership.property_company_id, "household": membership.household_id}


def _username_for(name: str, phone: str) -> str:
    """A free username: the phone number, else the name's pinyin, with a number when it is taken."""
    base = phone or pinyin_full(name).replace(" ", "") or "user"
    base = "".join(ch for ch in base.lower() if ch.isalnum() or ch in "._-")[:140] or "user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _check_links(*, community: Community, role: str, grid: Grid | None, property_company: PropertyCompany | None,
                 household: Household | None) -> dict[str, Any]:
    """The link the role needs, from the community; the others are dropped."""
    errors: dict[str, str] = {}
    if role == GRID_WORKER and (grid is None or grid.community_id != community.pk):
        errors["grid"] = _("A grid worker needs a grid of this community.")
    if role == PROPERTY and (property_company is None or property_company.community_id != community.pk):
        errors["property_company"] = _("A property company account needs a property company of this community.")
    if role == RESIDENT and (household is None or household.community_id != community.pk):
        errors["household"] = _("A resident needs a household of this community.")
    if errors:
        raise ValidationError(errors)
    return {"grid": grid if role == GRID_WORKER else None,
            "property_company": property_company if role == PROPERTY else None,
            "household": household if role == RESIDENT else None}


@dataclass(frozen=True)
class NewAccount:
    user: User
    membership: Membership
    password: str  # the one-time password, shown once


def _new_user(*, name: str, phone: str, username: str) -> User:
    """The unsaved user of a new account, its name, phone and username checked (the username is the
    phone number, or the name's pinyin, when none is given)."""
    errors: dict[str, Any] = {}
    name = clean_text(name).strip()
    if not name:
        errors["name"] = _("Give the person's name.")
    if phone:
        try:
            phone = normalize_phone(phone)
        except PhoneError as exc:
            errors["phone"] = str(exc)
    username = clean_text(username).strip()
    if username:
        if User.objects.filter(username__iexact=username).exists():
            errors["username"] = _("The username %(username)s is taken.") % {"username": username}
        elif not all(ch.isalnum() or ch in "@.+-_" for ch in username) or len(username) > 150:
            errors["username"] = _("A username has letters, digits and @ . + - _ only.")
    if errors:
        raise ValidationError(errors)
    return User(username=username or _username_for(name, phone), first_name=name[:150], phone=phone)


@transaction.atomic
def member_create(*, actor: Any, community: Community, name: str, role: str, phone: str = "", username: str = "",
                  grid: Grid | None = None, property_company: PropertyCompany | None = None,
                  household: Household | None = None, request: Any = None) -> NewAccount:
    """A new account in ``community`` with one role and a one-time password. The page, the list
    import and ``shequ setup`` come here."""
    _refuse_unless_grantable(actor, community, role)
    user = _new_user(name=name, phone=phone, username=username)
    links = _check_links(community=community, role=role, grid=grid, property_company=property_company,
                         household=household)
    password = _set_one_time_password(user)
    user.full_clean(exclude=["password"])
    user.save()
    name = user.first_name
    membership = Membership(user=user, role=role, community=community, **links)
    membership.full_clean()
    membership.save()
    audit_record(actor=actor, username="cli", action=AuditEvent.Action.CREATE, community=community, obj=user,
                 summary=f"account {user.username} ({name}) as {role}", after=_snapshot(membership),
                 request=request)
    return NewAccount(user, membership, password)


@transaction.atomic
def member_role_change(*, actor: Any, membership: Membership, role: str, grid: Grid | None = None,
                       property_company: PropertyCompany | None = None, household: Household | None = None,
                       request: Any = None) -> Membership:
    """Change a membership's role (and the grid, company or household it needs): both the old role and
    the new one must be the actor's to give."""
    community = membership.community
    if community is None:
        raise ValidationError(_("A street office account is changed by the system administrator."))
    _refuse_unless_grantable(actor, community, membership.role)
    _refuse_unless_grantable(actor, community, role)
    if actor is not None and actor.pk == membership.user_id:
        raise ValidationError(_("You may not change your own role."))
    links = _check_links(community=community, role=role, grid=grid, property_company=property_company,
                         household=household)
    before = _snapshot(membership)
    membership.role = role
    for field, value in links.items():
        setattr(membership, field, value)
    if role != RESIDENT:
        membership.person, membership.is_family = None, False
    membership.full_clean()
    membership.save()
    tokencache.changed()
    old, new = diff(before, _snapshot(membership))
    if new:
        audit_record(actor=actor, username="cli", action=AuditEvent.Action.UPDATE, community=community,
                     obj=membership.user, summary=f"role of {membership.user.username}", before=old, after=new,
                     request=request)
    return membership


@transaction.atomic
def member_set_active(*, actor: Any, user: User, active: bool, request: Any = None) -> User:
    """Deactivate (every session and API token of the account stops at its next request; its
    history stays) or reactivate an account."""
    _refuse_unless_manageable(actor, user)
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, username="cli", action=AuditEvent.Action.UPDATE, community=_community_of(user),
                     obj=user, summary=f"account {user.username} {'reactivated' if active else 'deactivated'}",
                     before={"is_active": not active}, after={"is_active": active}, request=request)
        tokencache.changed()
    return user


@transaction.atomic
def member_sign_out(*, actor: Any, user: User, request: Any = None) -> User:
    """Sign the account out everywhere (a lost phone): every session ends at its next request; the
    password stays. API tokens are revoked on their own page (shequ token revoke)."""
    _refuse_unless_manageable(actor, user)
    user.session_version += 1
    user.save(update_fields=["session_version"])
    audit_record(actor=actor, username="cli", action=AuditEvent.Action.UPDATE, community=_community_of(user),
                 obj=user, summary=f"signed {user.username} out everywhere", request=request)
    return user


@transaction.atomic
def street_account_create(*, actor: Any, street: Street, name: str, phone: str = "", username: str = "",
                          request: Any = None) -> NewAccount:
    """An account of the street office (role ``street``: it sees and leads the street's communities),
    with a one-time password. No community grants it: only the system (``shequ street-account`` on the
    server, ``actor`` None) or a superuser gives it."""
    if actor is not None and not actor.is_superuser:
        raise ValidationError(_("Only the system administrator adds street office accounts."))
    user = _new_user(name=name, phone=phone, username=username)
    password = _set_one_time_password(user)
    user.full_clean(exclude=["password"])
    user.save()
    membership = Membership(user=user, role=STREET, street=street)
    membership.full_clean()
    membership.save()
    audit_record(actor=actor, username="cli", action=AuditEvent.Action.CREATE, obj=user,
                 summary=f"account {user.username} ({user.first_name}) as street of {street.code}",
                 after={"role": STREET, "street": street.pk}, request=request)
    return NewAccount(user, membership, password)


# -- communities -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NewCommunity:
    community: Community
    secretary: NewAccount


@transaction.atomic
def community_create(*, actor: Any, street: Street, code: str, name: str, secretary_name: str,
                     secretary_phone: str = "", secretary_username: str = "", request: Any = None) -> NewCommunity:
    """A community of ``street`` with its secretary (a one-time password). The street office's page
    and ``shequ setup`` come here."""
    if actor is not None and not actor.is_superuser and street.pk not in scope_for(actor).granted("street"):
        raise ValidationError(_("Only the street office adds its communities."))
    code, name = clean_text(code).strip().lower(), clean_text(name).strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Give the community's name.")
    if Community.objects.filter(code=code).exists():
        errors["code"] = _("The code %(code)s is taken.") % {"code": code}
    if errors:
        raise ValidationError(errors)
    community = Community(street=street, code=code, name=name)
    community.full_clean()
    community.save()
    audit_record(actor=actor, username="cli", action=AuditEvent.Action.CREATE, community=community, obj=community,
                 summary=f"community {code} {name} of street {street.code}", request=request)
    # The street grants the secretary; the system (actor None) may grant anything.
    secretary = member_create(actor=actor, community=community, name=secretary_name, phone=secretary_phone,
                              username=secretary_username, role=SECRETARY, request=request)
    return NewCommunity(community, secretary)


@transaction.atomic
def first_community_setup(*, street_code: str, street_name: str, code: str, name: str, secretary_name: str,
                          secretary_phone: str = "", secretary_username: str = "",
                          request: Any = None) -> NewCommunity:
    """First run: the street office, the first community and its secretary, on a database with no
    community yet (``shequ setup`` and the first-run page). No one is logged in: the system acts."""
    if Community.objects.exists():
        raise ValidationError(_("This installation is set up already: communities are added by the street office."))
    street_code, street_name = clean_text(street_code).strip().lower(), clean_text(street_name).strip()
    street = Street.objects.filter(code=street_code).first()
    if street is None:
        street = Street(code=street_code, name=street_name)
        street.full_clean()
        street.save()
        audit_record(actor=None, username="setup", action=AuditEvent.Action.CREATE, obj=street,
                     summary=f"street {street_code} {street_name}", request=request)
    SetupCode.objects.all().delete()
    return community_create(actor=None, street=street, code=code, name=name, secretary_name=secretary_name,
                            secretary_phone=secretary_phone, secretary_username=secretary_username,
                            request=request)


def setup_code_issue(*, hours: int = 24) -> str:
    """A one-time code that opens the first-run page from another machine (``shequ setup --code``)."""
    code = "".join(secrets.choice(_OTP_ALPHABET) for _i in range(12))
    SetupCode.objects.all().delete()
    SetupCode.objects.create(code_hash=_keyed_hash("setup", code),
                             expires_at=timezone.now() + dt.timedelta(hours=hours))
    return code


def setup_code_valid(code: str) -> bool:
    code = "".join(code.split()).lower()
    return bool(code) and SetupCode.objects.filter(code_hash=_keyed_hash("setup", code),
                                                   expires_at__gt=timezone.now()).exists()


def _keyed_hash(purpose: str, value: str) -> str:
    """An HMAC keyed by the server's secret: a copy of the database alone cannot try short codes."""
    return salted_hmac(f"shequ.accounts.{purpose}", value, algorithm="sha256").hexdigest()


# -- invite codes ------------------------------------------------------------------------------------
# Eight characters from 32 (40 bits), without 0/O and 1/I: typed from a door notice by an elderly
# resident. Guessing is throttled like logins (accounts/views.py join).
INVITE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
INVITE_LENGTH = 8


def invite_normalize(code: str) -> str:
    return "".join(ch for ch in str(code).upper() if ch.isalnum())


@transaction.atomic
def invite_issue(*, actor: Any, household: Household, request: Any = None) -> str:
    """A new invite code for the household; the one it had stops working. Returns the code (only its
    HMAC is kept: print it now)."""
    if actor is not None and not scope_for(actor).can("accounts.manage", household.community_id):
        raise ValidationError(_("You may not issue invite codes in this community."))
    now = timezone.now()
    revoked = InviteCode.objects.filter(household=household, revoked_at__isnull=True).update(revoked_at=now)
    code = "".join(secrets.choice(INVITE_ALPHABET) for _i in range(INVITE_LENGTH))
    invite = InviteCode.objects.create(community_id=household.community_id, household=household,
                                       code_hash=_keyed_hash("invite", code),
                                       created_by=actor if getattr(actor, "is_authenticated", False) else None)
    audit_record(actor=actor, username="cli", action=AuditEvent.Action.CREATE, community=household.community,
                 obj=invite, summary=f"invite code for household={household.pk}"
                 + (" (the old one revoked)" if revoked else ""), request=request)
    return code


def invite_lookup(code: str) -> InviteCode | None:
    """The active invite with this code, or None (unknown, mistyped or reissued)."""
    code = invite_normalize(code)
    if len(code) != INVITE_LENGTH:
        return None
    return (InviteCode.objects.select_related("household__room__unit__building__compound", "community")
            .filter(code_hash=_keyed_hash("invite", code), revoked_at__isnull=True).first())


class InviteMismatch(ValidationError):
    """The name and digits match no one of the household: counted as a failed login."""


def invite_person(invite: InviteCode, *, name: str, digits: str) -> Person:
    """The active member of the invite's household with this name whose ID number or phone number ends
    with these four digits; raises InviteMismatch."""
    name, digits = normalize_name(name), "".join(str(digits).split()).upper()
    if len(digits) == 4 and name:
        for person in invite.household.persons.filter(status=Person.Status.ACTIVE, name=name):
            if (person.id_number or "").upper().endswith(digits) or (person.phone or "").endswith(digits):
                return person
    raise InviteMismatch(_("The name and the last four digits do not match anyone of this household."))


@transaction.atomic
def invite_join(*, invite: InviteCode, name: str, digits: str, password: str, family: bool = False,
                username: str = "", phone: str = "", request: Any = None) -> User:
    """A resident (or, with ``family``, a relative living elsewhere) joins the invite's household: they
    confirm a member's name and the last four digits of the ID or phone number. Each member joins as
    themselves once; relatives may be several."""
    invite = InviteCode.objects.select_for_update().select_related("household__community").get(pk=invite.pk)
    if invite.revoked_at is not None:
        raise ValidationError({"code": _("This invite code was replaced by a new one.")})
    person = invite_person(invite, name=name, digits=digits)
    if not family and Membership.objects.filter(role=RESIDENT, person=person, is_family=False,
                                                user__is_active=True).exists():
        raise ValidationError(_("%(name)s has joined already. Log in, or ask the community for a new password.")
                              % {"name": person.name})
    if username and User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("The username %(username)s is taken.") % {"username": username}})
    shown = ("" if family else person.name) or clean_text(name)
    user = User(username=username or _username_for(shown if not family else f"{person.name}家属", ""),
                first_name=(shown if not family else _("Family of %(name)s") % {"name": person.name})[:150],
                phone=phone)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    household = invite.household
    membership = Membership(user=user, role=RESIDENT, community=household.community, household=household,
                            person=person, is_family=family)
    membership.full_clean()
    membership.save()
    audit_record(actor=user, action=AuditEvent.Action.CREATE, community=household.community, obj=user,
                 summary=f"joined household={household.pk} by invite code as "
                 + (f"family of person={person.pk}" if family else f"person={person.pk}"),
                 after=_snapshot(membership), request=request)
    return user


@transaction.atomic
def membership_remove(*, actor: Any, membership: Membership, request: Any = None) -> None:
    """The user no longer holds the role there (their other memberships stay)."""
    summary = f"membership {membership.role} of {membership.user.username} removed"
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, community=membership.community, obj=membership.user,
                 request=request, summary=summary, before=_snapshot(membership))
    membership.delete()
    tokencache.changed()
