"""A portal's status change or new messages reach the applicant by mail, in their language."""

from __future__ import annotations

import pytest

from tests.factories.idp import connect, make_account, make_profile_client
from tests.idp.flows import portal_token, register_application

LINK = "https://ircc-portal.example/applications/W100"


@pytest.fixture
def filed(components, portal):
    """A French-speaking applicant with study permit W100 at the IRCC Portal (its profile)."""
    applicant = make_account(components, locale="fr", name="Lucie Gagnon")
    client, secret = make_profile_client(components, "ircc-portal")
    connect(components, applicant, client)
    token = portal_token(portal, client, secret)
    created = register_application(
        portal, token, applicant.subject, "W100", program="study_permit", deep_link=LINK
    )
    assert created.status_code == 201, created.text

    def patch(**changes):
        response = portal.patch(
            "/api/applications/W100", json=changes, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text

    return applicant, patch


def test_a_status_change_is_mailed_in_the_applicants_language(filed, mail):
    applicant, patch = filed
    patch(status="in_review")
    (subject,) = mail.subjects(applicant.email)
    assert subject == "Du nouveau pour votre demande W100 (Portail d’IRCC)"
    (text,) = mail.texts(applicant.email)
    assert "Portail d’IRCC a mis à jour votre demande Permis d’études W100." in text
    assert "Nouveau statut\u00a0: En cours d’examen" in text
    assert LINK in text
    assert "https://testserver/account/applications" in text
    assert "https://testserver/help" in text


def test_new_messages_are_mailed_once_and_reading_them_mails_nothing(filed, mail):
    applicant, patch = filed
    patch(unread_count=2)
    patch(unread_count=2)  # the same report again: nothing new
    patch(unread_count=0)  # the person read them
    (text,) = mail.texts(applicant.email)
    assert "(Portail d’IRCC)\u00a0: 2" in text
    assert "Nouveau statut" not in text


def test_a_status_and_new_messages_in_one_report_make_one_mail(filed, mail):
    applicant, patch = filed
    patch(status="biometrics_requested", unread_count=1)
    (text,) = mail.texts(applicant.email)
    assert "Données biométriques demandées" in text
    assert "(Portail d’IRCC)\u00a0: 1" in text


def test_a_change_of_link_alone_mails_nothing(filed, mail):
    applicant, patch = filed
    patch(deep_link=LINK + "?tab=messages")
    assert mail.texts(applicant.email) == []
