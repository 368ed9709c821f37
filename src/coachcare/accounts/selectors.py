import dataclasses
import enum

from django.db.models import QuerySet
from django_otp.plugins.otp_totp.models import TOTPDevice

from coachcare.accounts.models import Role, User
from coachcare.clients.models import Client


def totp_device_confirmed(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@dataclasses.dataclass(frozen=True)
class DigidMatch:
    """Whom a BSN from a DigiD login belongs to: one account, or why there is none."""

    class Outcome(enum.StrEnum):
        FOUND = "found"
        NO_ACCOUNT = "no_account"  # a young person's file with this BSN, but no account linked to it
        NOT_ALLOWED = "not_allowed"  # the account is not active, or the BSN matches more than one account
        UNKNOWN = "unknown"

    outcome: Outcome
    user: User | None = None


def parent_user_ids_by_bsn_hash(*, bsn_hash: str) -> QuerySet[User, int]:
    """Ids of the parents' accounts known with this BSN (keyed hash). The one place a parent's BSN is read.

    On main parents have no BSN, so this finds nobody. MERGE (branch ``family``): the carer record
    (encrypted BSN, keyed ``bsn_hash``, link to the parent's User) answers here, e.g.
    ``User.objects.filter(<carer relation>__bsn_hash=bsn_hash).values_list("pk", flat=True)``.
    """
    return User.objects.none().values_list("pk", flat=True)


def parent_users_by_bsn_hash(*, bsn_hash: str) -> QuerySet[User]:
    """Parents' accounts with this BSN that hold parental authority (gezag) over at least one client."""
    return User.objects.filter(
        pk__in=parent_user_ids_by_bsn_hash(bsn_hash=bsn_hash),
        role=Role.OUDER,
        gezag_relations__has_gezag=True,
    ).distinct()


def digid_account_for_bsn_hash(*, bsn_hash: str) -> DigidMatch:
    """The account a DigiD login with this BSN (keyed hash) may use: a young person's or a parent's.

    Professionals never match: they have no BSN in coachcare and log in with password and TOTP.
    Nothing is created; a young person's file without an account answers ``NO_ACCOUNT``.
    """
    young = User.objects.filter(role=Role.JONGERE, client_record__bsn_hash=bsn_hash)
    candidates = {user.pk: user for user in [*young, *parent_users_by_bsn_hash(bsn_hash=bsn_hash)]}
    if len(candidates) > 1:
        return DigidMatch(DigidMatch.Outcome.NOT_ALLOWED)
    if len(candidates) == 1:
        (user,) = candidates.values()
        if not user.is_active:
            return DigidMatch(DigidMatch.Outcome.NOT_ALLOWED)
        return DigidMatch(DigidMatch.Outcome.FOUND, user)
    if Client.objects.filter(bsn_hash=bsn_hash).exists():
        return DigidMatch(DigidMatch.Outcome.NO_ACCOUNT)
    return DigidMatch(DigidMatch.Outcome.UNKNOWN)
