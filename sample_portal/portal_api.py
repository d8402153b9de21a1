"""The provider's portal API: register applications, list them, ask for decisions.

Every call carries this portal's client-credentials access token (scopes from
`PORTAL_API_SCOPE`, by default `applications:write delegations:read`); authlib's client
fetches it on first use and again when it expires. Registration sends an
`Idempotency-Key` derived from the applicant and the application number, so a retry
never files a second application.
Errors come back as `application/problem+json` (RFC 9457) and are raised as
`PortalApiError`.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

from sample_portal.config import PortalConfig
from sample_portal.provider import (
    CLIENT_AUTH_METHOD,
    OUTBOUND_TIMEOUT_SECONDS,
    Provider,
    ProviderUnavailable,
)

JSON_MEDIA_TYPES = ("application/json", "application/problem+json")

# (number prefix, program, status, unread messages): what each person finds at this portal.
# Program and status are codes the IRCC Portal's profile names in English and French.
SAMPLE_APPLICATIONS = (
    ("S", "study_permit", "received", 1),
    ("W", "work_permit", "in_review", 0),
)


class PortalApiError(Exception):
    """A problem answer (RFC 9457) from the portal API."""

    def __init__(self, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{status} {problem.get('title', '')}: {problem.get('detail', '')}")
        self.status = status
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str  # allowed, own_application, no_application, no_delegation, ...
    delegation_id: str | None


def sample_application_number(prefix: str, subject: str) -> str:
    """A stable number per person, so signing in again finds the same applications."""
    digits = int(hashlib.sha256(subject.encode()).hexdigest(), 16) % 10**7
    return f"{prefix}{digits:07d}"


def idempotency_key(subject: str, number: str) -> str:
    return hashlib.sha256(f"{subject}:{number}".encode()).hexdigest()[:32]


class PortalApi:
    def __init__(self, config: PortalConfig, provider: Provider) -> None:
        self._config = config
        self._provider = provider
        self._client: AsyncOAuth2Client | None = None
        self._token_lock = asyncio.Lock()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def _authorized_client(self) -> AsyncOAuth2Client:
        async with self._token_lock:
            if self._client is None:
                self._client = AsyncOAuth2Client(
                    client_id=self._config.client_id,
                    client_secret=self._config.client_secret,
                    token_endpoint_auth_method=CLIENT_AUTH_METHOD,
                    scope=self._config.api_scope,
                    grant_type="client_credentials",  # lets authlib fetch a new one on expiry
                    token_endpoint=(await self._provider.metadata()).token_endpoint,
                    timeout=OUTBOUND_TIMEOUT_SECONDS,
                )
            if not self._client.token:
                try:
                    await self._client.fetch_token(grant_type="client_credentials")
                except OAuthError as error:  # e.g. the client lacks these scopes
                    raise PortalApiError(
                        401, {"title": str(error.error), "detail": str(error.description or "")}
                    ) from None
            return self._client

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        client = await self._authorized_client()
        response: httpx.Response = await client.request(
            method, f"{self._config.issuer}{path}", **kwargs
        )
        media_type = response.headers.get("content-type", "").split(";")[0]
        if response.status_code >= 500 or media_type not in JSON_MEDIA_TYPES:
            raise ProviderUnavailable(f"the portal API answered {response.status_code}")
        if response.status_code >= 400:
            raise PortalApiError(response.status_code, response.json())
        return response

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        return (await self._request(method, path, **kwargs)).json()

    async def _every_page(self, path: str) -> list[dict[str, Any]]:
        """All the items of a paged list, following `Link: <...>; rel="next"` (RFC 8288)."""
        items: list[dict[str, Any]] = []
        next_path: str | None = path
        while next_path is not None:
            response = await self._request("GET", next_path)
            items += response.json()
            next_path = response.links.get("next", {}).get("url")
        return items

    async def register_application(
        self, *, subject: str, number: str, program: str, status: str, unread_count: int
    ) -> dict[str, Any]:
        body = {
            "application_number": number,
            "program": program,
            "status": status,
            "unread_count": unread_count,
            "deep_link": f"{self._config.base_url}/applications#{number}",
            "applicant": {"sub": subject},
        }
        headers = {"Idempotency-Key": idempotency_key(subject, number)}
        return dict(await self._call("POST", "/api/applications", json=body, headers=headers))

    async def register_sample_applications(self, subject: str) -> None:
        for prefix, program, status, unread in SAMPLE_APPLICATIONS:
            await self.register_application(
                subject=subject,
                number=sample_application_number(prefix, subject),
                program=program,
                status=status,
                unread_count=unread,
            )

    async def applications_of(self, subject: str) -> list[dict[str, Any]]:
        """This portal's applications filed by `subject` (the API lists the portal's all)."""
        listed = await self._every_page("/api/applications")
        return [a for a in listed if a["applicant_sub"] == subject]

    async def decide(self, *, actor_sub: str, action: str, application_number: str) -> Decision:
        body = {"actor_sub": actor_sub, "action": action, "application_number": application_number}
        answer = await self._call("POST", "/api/decisions", json=body)
        return Decision(
            allowed=bool(answer["allowed"]),
            reason=str(answer["reason"]),
            delegation_id=answer.get("delegation_id"),
        )
