"""Registration with an emailed code, and no user enumeration."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

from tests.factories.idp import make_account, transaction
from tests.idp.flows import COOKIES, comparable, csrf_of, register, switch_language

PASSWORD = "maple syrup and snow tires"


def test_registration_mails_a_code_and_creates_a_verified_account(components, browser, mail):
    response = register(browser, mail, name="Li Wei", email="li.wei@example.ca", password=PASSWORD)
    assert response.status_code == 303
    assert browser.get("/account").status_code == 200
    from idp.accounts.service import find_account_by_email

    with transaction(components) as db:
        account = find_account_by_email(db, "li.wei@example.ca")
        assert account.email_verified is True
        assert account.password_hash.startswith("$argon2id$")
    assert mail.subjects("li.wei@example.ca") == ["Your Passerelle confirmation code"]


def test_code_is_eight_digits_and_stored_hashed(components, browser, mail):
    page = browser.get("/register")
    browser.post(
        "/register",
        data={
            "name": "A",
            "email": "a8@example.ca",
            "password": PASSWORD,
            "csrf_token": csrf_of(page),
        },
    )
    code = mail.last_code("a8@example.ca")
    assert len(code) == 8
    assert code.isdigit()
    for key in getattr(components.store, "_items", {}):
        assert code not in components.store.get(key).decode(errors="ignore")


def test_registering_a_taken_email_looks_the_same_but_mails_the_owner(components, browser, mail):
    owner = make_account(components)
    page = browser.get("/register")
    fresh = browser.post(
        "/register",
        data={
            "name": "X",
            "email": "fresh@example.ca",
            "password": PASSWORD,
            "csrf_token": csrf_of(page),
        },
    )
    taken = browser.post(
        "/register",
        data={"name": "X", "email": owner.email, "password": PASSWORD, "csrf_token": csrf_of(page)},
    )
    assert fresh.status_code == taken.status_code == 200
    assert comparable(fresh.text.replace("fresh@example.ca", "E")) == comparable(
        taken.text.replace(owner.email, "E")
    )
    assert mail.subjects(owner.email) == ["Security notice from Passerelle"]
    assert "already have one" in mail.texts(owner.email)[-1]


def test_common_password_is_refused_naming_the_field_and_keeping_the_input(browser):
    page = browser.get("/register")
    response = browser.post(
        "/register",
        data={
            "name": "Sam",
            "email": "sam@example.ca",
            "password": "password1234",
            "csrf_token": csrf_of(page),
        },
    )
    assert response.status_code == 400
    assert "too common" in response.text
    assert 'value="sam@example.ca"' in response.text
    assert 'value="Sam"' in response.text
    assert "password1234" not in response.text


def test_short_password_message_quotes_the_limit_in_french(browser):
    page = browser.get("/register?lang=fr")
    response = browser.post(
        "/register",
        data={
            "name": "Sam",
            "email": "sam@example.ca",
            "password": "court",
            "csrf_token": csrf_of(page),
        },
    )
    assert response.status_code == 400
    assert "au moins 12 caractères" in response.text


def test_wrong_codes_burn_the_code_after_five_attempts(browser, mail):
    page = browser.get("/register")
    browser.post(
        "/register",
        data={
            "name": "T",
            "email": "t@example.ca",
            "password": PASSWORD,
            "csrf_token": csrf_of(page),
        },
    )
    good = mail.last_code("t@example.ca")
    wrong = str((int(good) + 1) % 10**8).zfill(8)
    answers = [
        browser.post(
            "/register/verify",
            data={"email": "t@example.ca", "code": wrong, "csrf_token": csrf_of(page)},
        )
        for _ in range(5)
    ]
    assert "not right" in answers[0].text
    assert "Too many wrong codes" in answers[-1].text
    late = browser.post(
        "/register/verify",
        data={"email": "t@example.ca", "code": good, "csrf_token": csrf_of(page)},
    )
    assert late.status_code == 400


def test_registrations_are_rate_limited_per_address(browser):
    page = browser.get("/register")
    statuses = [
        browser.post(
            "/register",
            data={
                "name": "R",
                "email": f"r{i}@example.ca",
                "password": PASSWORD,
                "csrf_token": csrf_of(page),
            },
        ).status_code
        for i in range(11)
    ]
    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429


def test_a_code_confirmed_while_the_database_fails_still_works_after_the_503(
    components, browser, mail, monkeypatch
):
    """The 503 page says nothing saved is lost: the code it consumed comes back with the
    transaction that did not commit, so the person's retry creates the account."""
    page = browser.get("/register")
    data = {"name": "R", "email": "retry@example.ca", "password": PASSWORD}
    browser.post("/register", data={**data, "csrf_token": csrf_of(page)})
    code = mail.last_code("retry@example.ca")
    form = {"email": "retry@example.ca", "code": code, "csrf_token": csrf_of(page)}

    def database_gone(*_args: object, **_kwargs: object) -> None:
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    with monkeypatch.context() as patched:
        patched.setattr("idp.selfservice.registration.find_account_by_email", database_gone)
        down = browser.post("/register/verify", data=form)
    assert down.status_code == 503
    assert browser.post("/register/verify", data=form).status_code == 303
    assert browser.get("/account").status_code == 200


def test_an_empty_code_is_asked_for_by_name_and_spends_no_guess(browser, mail):
    """Not "That code is not right": nothing was typed, so nothing was guessed."""
    page = browser.get("/register")
    browser.post(
        "/register",
        data={
            "name": "E",
            "email": "e@example.ca",
            "password": PASSWORD,
            "csrf_token": csrf_of(page),
        },
    )
    texts = {
        "en": "Enter the 8-digit code from the email.",
        "fr": "Entrez le code à 8 chiffres reçu par courriel.",
    }
    for _ in range(3):  # more empty answers than the code allows wrong guesses
        for lang, text in texts.items():
            empty = browser.post(
                f"/register/verify?lang={lang}",
                data={"email": "e@example.ca", "code": " ", "csrf_token": csrf_of(page)},
            )
            assert empty.status_code == 400
            assert text in empty.text.split('id="code-error"')[1].split("</p>")[0]
            assert text in empty.text.split('class="error-summary"')[1]
            assert "not right" not in empty.text
            assert "pas valide" not in empty.text
    right = browser.post(
        "/register/verify",
        data={
            "email": "e@example.ca",
            "code": mail.last_code("e@example.ca"),
            "csrf_token": csrf_of(page),
        },
    )
    assert right.status_code == 303


def _start(browser, **form):
    page = browser.get("/register")
    return browser.post("/register", data={**form, "csrf_token": csrf_of(page)})


def test_the_language_switch_on_the_code_step_shows_the_code_step_in_french(browser, mail):
    email = "switch@example.ca"
    code_step = _start(browser, name="Li Wei", email=email, password=PASSWORD)
    french = switch_language(browser, code_step)
    assert french.status_code == 200
    assert '<html lang="fr">' in french.text
    assert "Confirmez votre adresse courriel" in french.text
    assert f'name="email" value="{email}"' in french.text
    created = browser.post(
        "/register/verify",
        data={"email": email, "code": mail.last_code(email), "csrf_token": csrf_of(french)},
    )
    assert created.status_code == 303


def test_the_language_switch_on_a_refused_code_keeps_the_code_step_and_its_error(browser):
    email = "switch-refused@example.ca"
    code_step = _start(browser, name="Li Wei", email=email, password=PASSWORD)
    refused = browser.post(
        "/register/verify", data={"email": email, "code": "", "csrf_token": csrf_of(code_step)}
    )
    french = switch_language(browser, refused)
    assert french.status_code == 400
    assert "Confirmez votre adresse courriel" in french.text
    assert f'name="email" value="{email}"' in french.text
    assert 'aria-describedby="code-error"' in french.text


def test_the_language_switch_on_a_refused_registration_keeps_what_was_typed(browser):
    refused = _start(browser, name="Li Wei", email="li.wei@example.ca", password="short")
    assert refused.status_code == 400
    french = switch_language(browser, refused)
    assert "Créez votre compte" in french.text
    assert 'value="Li Wei"' in french.text
    assert 'value="li.wei@example.ca"' in french.text
    assert 'value="short"' not in french.text  # the password typed is never kept
    assert browser.cookies.get(COOKIES.locale) == "fr"  # the choice is remembered


def test_a_language_switch_from_another_browser_gets_the_page_address_and_nothing_of_it(
    app, browser
):
    from fastapi.testclient import TestClient

    code_step = _start(browser, name="Li Wei", email="private@example.ca", password=PASSWORD)
    snapshot = code_step.text.split('name="page" value="')[1].split('"')[0]
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as other:
        token = csrf_of(other.get("/register"))
        data = {"csrf_token": token, "page": snapshot, "back": "//evil.example/x"}
        answer = other.post("/language?lang=fr", data=data)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/evil.example/x"
    assert "private@example.ca" not in answer.text
