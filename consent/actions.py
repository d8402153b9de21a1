"""The action catalogue: what a representative may do on an application, in plain words.

Wire values are the `Action` strings; the labels are English msgids marked with `N_`
and translated by `idp/` only. A designated individual (IMM 5475) gets the read actions
at most.
"""

from __future__ import annotations

from enum import StrEnum


def N_(message: str) -> str:  # noqa: N802  # the conventional gettext no-op marker
    return message


class Action(StrEnum):
    APPLICATION_READ = "application.read"
    CORRESPONDENCE_READ = "correspondence.read"
    CORRESPONDENCE_REPLY = "correspondence.reply"
    DOCUMENTS_UPLOAD = "documents.upload"
    APPLICATION_SUBMIT = "application.submit"
    PAYMENT_MAKE = "payment.make"
    APPLICATION_WITHDRAW = "application.withdraw"


ACTION_LABELS: dict[Action, str] = {
    Action.APPLICATION_READ: N_("See the application and its status"),
    Action.CORRESPONDENCE_READ: N_("Read the messages about the application"),
    Action.CORRESPONDENCE_REPLY: N_("Answer the messages about the application"),
    Action.DOCUMENTS_UPLOAD: N_("Upload documents"),
    Action.APPLICATION_SUBMIT: N_("Submit the application"),
    Action.PAYMENT_MAKE: N_("Pay fees"),
    Action.APPLICATION_WITHDRAW: N_("Withdraw the application"),
}

READ_ACTIONS = frozenset({Action.APPLICATION_READ, Action.CORRESPONDENCE_READ})


class DelegationKind(StrEnum):
    REPRESENTATIVE_PAID = "representative_paid"
    REPRESENTATIVE_UNPAID = "representative_unpaid"
    DESIGNATED_INDIVIDUAL = "designated_individual"


KIND_LABELS: dict[DelegationKind, str] = {
    DelegationKind.REPRESENTATIVE_PAID: N_("Paid representative (licensed)"),
    DelegationKind.REPRESENTATIVE_UNPAID: N_("Unpaid representative (family member or friend)"),
    DelegationKind.DESIGNATED_INDIVIDUAL: N_(
        "Designated individual (may only receive information)"
    ),
}


class DelegationStatus(StrEnum):
    REQUESTED = "requested"
    PENDING_ACCEPTANCE = "pending_acceptance"
    ACTIVE = "active"
    REVOKED = "revoked"
    EXPIRED = "expired"
    SUSPENDED = "suspended"
    DECLINED = "declined"


def parse_actions(values: list[str]) -> list[Action]:
    """Known actions in catalogue order; unknown ones raise ValueError naming them."""
    unknown = [v for v in values if v not in Action._value2member_map_]
    if unknown:
        raise ValueError(f"unknown action {unknown[0]!r}")
    chosen = set(values)
    return [a for a in Action if a.value in chosen]
