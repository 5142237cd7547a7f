"""Who may call what: Bearer tokens (D1), Procore-Company-Id and project_id (D13), and grants."""

from __future__ import annotations

import httpx

from darkroom.api import vocabulary
from darkroom.core import accounts, spaces
from tests.api.procore.conftest import (
    COMPANY,
    OTHER_COMPANY,
    OTHER_PROJECT,
    PROJECT,
    SDK_HEADERS,
    Procore,
    assert_error,
    make_image,
)

IMAGES = f"/rest/v1.0/images?project_id={PROJECT}"


def test_list_without_token_returns_401_with_procore_body(procore: Procore) -> None:
    response = procore.client(who="").get(IMAGES)
    assert_error(response, 401, "Bearer")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_list_with_unknown_token_returns_401(procore: Procore) -> None:
    headers = {**SDK_HEADERS, "Authorization": "Bearer drk_nope", "Procore-Company-Id": "1"}
    response = httpx.get(procore.base + IMAGES, headers=headers)
    assert_error(response, 401, "invalid")


def test_list_with_basic_credentials_returns_401(procore: Procore) -> None:
    headers = {**SDK_HEADERS, "Authorization": "Basic dTpw", "Procore-Company-Id": "1"}
    assert_error(httpx.get(procore.base + IMAGES, headers=headers), 401)


def test_list_without_company_header_returns_400_naming_it(procore: Procore) -> None:
    response = procore.client(company=None).get(IMAGES)
    body = assert_error(response, 400, "Procore-Company-Id")
    assert body["errors"] == {"Procore-Company-Id": ["Procore-Company-Id is required"]}


def test_list_with_non_numeric_company_header_returns_400(procore: Procore) -> None:
    client = procore.client()
    response = client.get(IMAGES, headers={"Procore-Company-Id": "acme"})
    assert_error(response, 400, "Procore-Company-Id")


def test_list_without_project_id_returns_400_naming_it(procore: Procore) -> None:
    assert_error(procore.client().get("/rest/v1.0/images"), 400, "project_id")


def test_list_in_company_without_grant_returns_403(procore: Procore) -> None:
    client = procore.client(company=OTHER_COMPANY)
    assert_error(client.get(f"/rest/v1.0/images?project_id={OTHER_PROJECT}"), 403)


def test_list_in_unknown_company_as_member_returns_403(procore: Procore) -> None:
    assert_error(procore.client(company=99).get(IMAGES), 403)


def test_list_of_project_of_another_company_returns_404(procore: Procore) -> None:
    client = procore.client("admin")
    assert_error(client.get(f"/rest/v1.0/images?project_id={OTHER_PROJECT}"), 404)


def test_show_of_image_in_project_of_another_company_returns_404(procore: Procore) -> None:
    image = make_image(procore.client("outsider", OTHER_COMPANY), OTHER_PROJECT)
    client = procore.client("admin")
    response = client.get(f"/rest/v1.0/images/{image['id']}?project_id={OTHER_PROJECT}")
    assert_error(response, 404)


def test_admin_first_use_of_company_and_project_creates_them(procore: Procore) -> None:
    response = procore.client("admin", company=7).get("/rest/v1.0/images?project_id=70")
    assert response.status_code == 200
    assert response.json() == []


def test_unused_project_id_cannot_be_squatted(procore: Procore) -> None:
    member = procore.client()
    assert_error(member.post("/rest/v1.0/images?project_id=11", json={}), 404)
    assert_error(member.get("/rest/v1.0/images?project_id=11"), 404)
    # The id stays free: the company's admin makes the project on their first write.
    created = make_image(procore.client("admin"), 11)
    assert created["id"] > 0


def test_project_grant_alone_reaches_that_project(procore: Procore) -> None:
    created = make_image(procore.client("contractor"))
    assert created["uploader"]["login"] == "contractor@example.com"


def test_project_grant_alone_gets_403_on_a_sibling_project(procore: Procore) -> None:
    response = procore.client("contractor").get("/rest/v1.0/images?project_id=11")
    assert_error(response, 403)


def test_unknown_path_under_rest_returns_procore_404_body(procore: Procore) -> None:
    assert_error(procore.client().get("/rest/v1.0/nothing-here"), 404, "no such endpoint")


def test_image_url_of_another_company_is_still_served_by_its_capability(
    procore: Procore,
) -> None:
    # Like Procore's pre-signed URLs, the url works without the API token.
    image = make_image(procore.client("outsider", OTHER_COMPANY), OTHER_PROJECT)
    assert httpx.get(image["url"]).status_code == 200


def test_company_header_and_path_company_must_agree(procore: Procore) -> None:
    client = procore.client()
    response = client.get(f"/rest/v1.0/companies/{COMPANY + 1}/trades")
    assert_error(response, 400, "does not match")


# --- fixed parents: only an admin makes or moves a project (PUT /admin/v1/spaces/.../parent) ---


def _admin_http(procore: Procore) -> httpx.Client:
    client = httpx.Client(base_url=procore.base, timeout=30)
    procore.clients.append(client)
    return client


def _set_admin_password(procore: Procore) -> tuple[str, str]:
    with procore.runtime.transaction() as session:
        accounts.set_password(session, accounts.get_principal(session, "admin"), "admin-pw")
    return ("admin", "admin-pw")


def test_project_cannot_be_moved_to_another_company_by_a_member_of_both(procore: Procore) -> None:
    created = make_image(procore.client("contractor"))  # a grant on project 10 (of company 1)
    with procore.runtime.transaction() as session:
        other = spaces.find(session, vocabulary.PROCORE_COMPANY, str(OTHER_COMPANY))
        assert other is not None
        accounts.add_grant(session, accounts.get_principal(session, "contractor"), other)
    both = procore.client("contractor", company=OTHER_COMPANY)
    assert_error(both.post(IMAGES, json={}), 404)
    assert_error(both.get(IMAGES), 404)
    # Still company 1's project, with its image.
    response = procore.client("contractor").get(f"/rest/v1.0/images/{created['id']}?project_id=10")
    assert response.status_code == 200


def test_admin_endpoint_moves_a_project_to_another_company(procore: Procore) -> None:
    answer = _admin_http(procore).put(
        "/admin/v1/spaces/procore-project:10/parent",
        json={"parent": f"procore-company:{OTHER_COMPANY}"},
        auth=_set_admin_password(procore),
    )
    assert answer.status_code == 200, answer.text
    assert_error(procore.client("member").get(IMAGES), 404)
    assert procore.client("outsider", company=OTHER_COMPANY).get(IMAGES).status_code == 200


def test_admin_endpoint_refuses_a_project_under_a_moov_account(procore: Procore) -> None:
    answer = _admin_http(procore).put(
        "/admin/v1/spaces/procore-project:10/parent",
        json={"parent": "moov-account:a1"},
        auth=_set_admin_password(procore),
    )
    assert answer.status_code == 422, answer.text
