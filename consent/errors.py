"""Errors of the consent domain; each carries a stable snake_case `code`.

ConsentError
├── ApplicationNotFound     (application_not_found)
├── DelegationNotFound      (delegation_not_found)
├── InvalidDelegation       (invalid_delegation): names the field and the rule broken
├── DelegationStateError    (delegation_state): the step does not fit the current status
├── ActorSuspended          (actor_suspended): the actor is suspended (field `actor`)
└── AccessRefused           (access_refused): no one delegation grants what was asked;
                            `reason` is a `Decision` reason code (or `several_applicants`,
                            `not_one_delegation`), `application` and `action` name what
                            was refused
"""

from __future__ import annotations


class ConsentError(Exception):
    code = "consent_error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class ApplicationNotFound(ConsentError):
    code = "application_not_found"


class DelegationNotFound(ConsentError):
    code = "delegation_not_found"


class InvalidDelegation(ConsentError):
    code = "invalid_delegation"


class DelegationStateError(ConsentError):
    code = "delegation_state"


class ActorSuspended(ConsentError):
    code = "actor_suspended"

    def __init__(self, actor: str) -> None:
        super().__init__("this representative is suspended", field="actor")
        self.actor = actor


class AccessRefused(ConsentError):
    code = "access_refused"

    def __init__(
        self, message: str, *, reason: str, application: str | None, action: str | None = None
    ) -> None:
        super().__init__(message, field="authorization_details")
        self.reason = reason
        self.application = application
        self.action = action
