"""Links are built only from DARKROOM_PUBLIC_URL or a trusted Host (issue 11).

A request naming another Host gets links to the first trusted host (with the port the server
listens on), never to the host it named; see darkroom/api/common/urls.py for why it is not a 400.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from tests.api.procore.conftest import PROJECT, Procore, make_image

EVIL = "evil.example"
IMAGES = f"/rest/v1.0/images?project_id={PROJECT}&per_page=1"


def _links(procore: Procore, host: str | None = None) -> str:
    api = procore.client("member")
    make_image(api, seed=1)
    make_image(api, seed=2)
    headers = {"Host": host} if host else {}
    answer = api.get(IMAGES, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.headers["link"]


def test_host_header_is_not_used_for_links(procore: Procore) -> None:
    links = _links(procore, EVIL)
    port = urlsplit(procore.base).port
    assert EVIL not in links
    assert f"<http://localhost:{port}/rest/v1.0/images?" in links


def test_image_urls_ignore_an_untrusted_host(procore: Procore) -> None:
    api = procore.client("member")
    image = make_image(api)
    shown = api.get(f"/rest/v1.0/images/{image['id']}?project_id={PROJECT}", headers={"Host": EVIL})
    assert shown.status_code == 200
    assert EVIL not in shown.text
    assert shown.json()["url"].startswith("http://localhost:")


def test_a_loopback_host_is_trusted_by_default(procore: Procore) -> None:
    links = _links(procore)
    assert f"<{procore.base}/rest/v1.0/images?" in links


def test_a_trailing_slash_redirect_does_not_name_an_untrusted_host(procore: Procore) -> None:
    """Starlette's slash redirects read the Host header; the guard replaced it before."""
    answer = httpx.get(f"{procore.base}/healthz/", headers={"Host": EVIL})
    assert answer.status_code == 307
    port = urlsplit(procore.base).port
    assert answer.headers["location"] == f"http://localhost:{port}/healthz"


def test_a_slash_redirect_with_a_public_url_names_its_host(procore: Procore) -> None:
    procore.runtime.settings.public_url = "https://img.example.org"
    answer = httpx.get(f"{procore.base}/healthz/", headers={"Host": EVIL})
    assert urlsplit(answer.headers["location"]).netloc == "img.example.org"


def test_a_configured_trusted_host_is_used_for_links(procore: Procore) -> None:
    procore.runtime.settings.trusted_hosts = "images.example.com, other.example.com"
    assert "<http://images.example.com/rest/v1.0/images?" in _links(procore, "images.example.com")


def test_links_for_an_untrusted_host_name_the_first_trusted_one(procore: Procore) -> None:
    procore.runtime.settings.trusted_hosts = "images.example.com:8443,other.example.com"
    links = _links(procore, EVIL)
    assert EVIL not in links
    assert "<http://images.example.com:8443/rest/v1.0/images?" in links


def test_a_star_trusts_every_host(procore: Procore) -> None:
    procore.runtime.settings.trusted_hosts = "*"
    assert f"<http://{EVIL}/rest/v1.0/images?" in _links(procore, EVIL)


def test_public_url_wins_over_every_host(procore: Procore) -> None:
    procore.runtime.settings.public_url = "https://img.example.org/"
    assert "<https://img.example.org/rest/v1.0/images?" in _links(procore, EVIL)
