"""HTTP manners: one error shape for every refusal, HEAD, the favicon, negotiation headers, lang.

Every refusal — FastAPI's own (an unknown route, a wrong method, a bad query parameter) as well as
the service's — answers ``{"error", "message"[, "problems"]}``; an ``Accept`` the route cannot
produce gets 406 in that shape; every answer says which language it used (``Content-Language``)
and which request headers it depends on (``Vary``).
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from coop_rules import api
from coop_rules.rulebook import RuleSpec
from coop_rules.server.negotiation import best_match

from .conftest import claim_upload, client_for


def assert_error_shape(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) <= {"error", "message", "problems"}, body
    assert body["error"] == code and body["message"], body
    return body


def test_a_bad_query_parameter_answers_the_error_shape(client: TestClient) -> None:
    fields, files = claim_upload("compliant")
    response = client.post("/v1/checks?record=null", data=fields, files=files)
    body = assert_error_shape(response, 422, "invalid_request")
    assert body["problems"][0]["location"] == "query.record"
    assert "boolean" in body["problems"][0]["message"]


def test_an_unknown_route_and_a_wrong_method_answer_the_error_shape(client: TestClient) -> None:
    assert_error_shape(client.get("/v2/nothing"), 404, "not_found")
    assert_error_shape(client.get("/static/nothing.css"), 404, "not_found")
    wrong = client.put("/healthz")
    assert_error_shape(wrong, 405, "method_not_allowed")
    assert set(wrong.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}
    assert_error_shape(client.get("/v1/checks"), 405, "method_not_allowed")


@pytest.mark.parametrize("path", ["/", "/healthz", "/docs", "/openapi.json", "/favicon.ico"])
def test_head_answers_like_get_without_a_body(client: TestClient, path: str) -> None:
    get, head = client.get(path), client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_the_favicon_is_an_icon(client: TestClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert "max-age" in response.headers["cache-control"]
    # The pages name it, so a browser does not guess.
    assert 'rel="icon" href="/favicon.ico"' in client.get("/").text


@pytest.mark.parametrize(
    ("path", "accept"),
    [
        ("/v1/rules", "text/csv"),
        ("/healthz", "application/xml"),
        ("/", "application/pdf"),
        ("/docs", "image/png"),
        ("/openapi.json", "text/html"),
    ],
)
def test_an_accept_the_route_cannot_produce_is_406(
    client: TestClient, path: str, accept: str
) -> None:
    body = assert_error_shape(client.get(path, headers={"Accept": accept}), 406, "not_acceptable")
    assert accept in body["message"]


def test_a_check_with_an_unproducible_accept_is_406_before_the_body_is_read(
    client: TestClient,
) -> None:
    fields, files = claim_upload("compliant")
    response = client.post("/v1/checks", data=fields, files=files, headers={"Accept": "text/csv"})
    body = assert_error_shape(response, 406, "not_acceptable")
    assert "text/html" in body["message"]  # it says what it can produce


@pytest.mark.parametrize(
    ("accept", "produced"),
    [
        ("*/*", "application/json"),
        ("text/*", "text/html"),
        ("text/csv, text/html;q=0.5", "text/html"),
        ("application/json;q=0, */*;q=0.1", "text/html"),
    ],
)
def test_wildcards_and_q_values_choose_the_format(
    client: TestClient, accept: str, produced: str
) -> None:
    fields, files = claim_upload("compliant")
    response = client.post("/v1/checks", data=fields, files=files, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(produced)


def test_negotiated_answers_say_what_they_vary_on(client: TestClient) -> None:
    fields, files = claim_upload("compliant")
    check = client.post("/v1/checks", data=fields, files=files)
    for response in (check, client.get("/"), client.get("/v1/rules")):
        vary = {v.strip().lower() for v in response.headers["vary"].split(",")}
        assert {"accept", "accept-language"} <= vary, response.request.url
    assert "accept" in client.get("/healthz").headers["vary"].lower()


@pytest.mark.parametrize(
    ("query", "accept_language", "used"),
    [
        ("", "", "en"),
        ("?lang=fr", "", "en"),  # not spoken: English, and the header says so
        ("?lang=de", "", "de"),
        ("", "fr-CH, ja;q=0.5", "ja"),
        ("?lang=fr", "ko", "ko"),  # an unspoken ?lang= falls back to Accept-Language
    ],
)
def test_content_language_says_which_language_was_used(
    client: TestClient, query: str, accept_language: str, used: str
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    fields, files = claim_upload("compliant")
    for response in (
        client.get(f"/{query}", headers=headers),
        client.get(f"/v1/rules{query}", headers=headers),
        client.post(f"/v1/checks{query}", data=fields, files=files, headers=headers),
    ):
        assert response.status_code == 200
        assert response.headers["content-language"] == used, response.request.url
    assert f'<html lang="{used}"' in client.get(f"/{query}", headers=headers).text


def _with_params(rules: list[dict]) -> dict[str, dict]:
    return {r["code"]: r for r in rules if r["params"]}


def test_rules_give_typed_parameters_and_honour_lang(client: TestClient) -> None:
    book = api.rulebook()
    english = _with_params(client.get("/v1/rules").json()["rules"])
    assert english, "the catalogue has rules with parameters"
    for code, rule in english.items():
        spec: RuleSpec = book.get(code)  # type: ignore[assignment]
        assert rule["params"] == spec.params  # 45, not "45"
        # numbers as numbers: a day count is 45, never "45" (money stays "5000.00 USD")
        assert not any(isinstance(v, str) and v.isdigit() for v in rule["params"].values())
        assert rule["lang"] == "en"
    german = client.get("/v1/rules?lang=de").json()["rules"]
    translated = book.messages["de"]
    titled = [r for r in german if r["code"] in translated and translated[r["code"]].title]
    assert titled
    for rule in titled:
        assert rule["lang"] == "de"
        assert rule["title"] == translated[rule["code"]].title
    one = client.get("/v1/rules/DT01", headers={"Accept-Language": "de"})
    assert one.headers["content-language"] == "de"
    assert one.json()["title"] == translated["DT01"].title
    assert one.json()["params"] == {"deadline_days": 45}


def test_docs_render_markdown_and_show_the_schemas(client: TestClient) -> None:
    page = client.get("/docs").text
    text = re.sub(r"<[^>]+>", "", page)
    assert "`" not in text  # no literal Markdown backticks
    assert "<code>manifest</code>" in page
    for name in ("Manifest", "Report", "Error", "Finding", "Money"):
        assert f'id="schema-{name}"' in page, name
    # A property's type links to its schema.
    assert 'href="#schema-Money"' in page


def test_security_is_declared_only_where_keys_are_needed() -> None:
    with client_for() as open_client:
        open_doc = open_client.get("/openapi.json").json()
    assert "securitySchemes" not in open_doc.get("components", {})
    assert not any("security" in op for item in open_doc["paths"].values() for op in item.values())
    with client_for(api_keys=frozenset({"k"})) as keyed:
        doc = keyed.get("/openapi.json").json()
    assert set(doc["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyHeader"}
    assert doc["paths"]["/v1/rules"]["get"]["security"]
    assert "401" in doc["paths"]["/v1/rules"]["get"]["responses"]
    assert "security" not in doc["paths"]["/healthz"]["get"]


def test_the_schema_says_how_many_files() -> None:
    with client_for(max_files=7) as small:
        doc = small.get("/openapi.json").json()

    def files_of(path: str) -> dict:
        body = doc["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]
        schema = body["schema"]
        assert "files" in schema["required"]
        return schema["properties"]["files"]

    assert (files_of("/v1/checks")["minItems"], files_of("/v1/checks")["maxItems"]) == (1, 7)
    assert (files_of("/v1/files")["minItems"], files_of("/v1/files")["maxItems"]) == (1, 7)
    assert (files_of("/v1/extract")["minItems"], files_of("/v1/extract")["maxItems"]) == (1, 1)


def test_a_check_without_files_is_refused(client: TestClient) -> None:
    fields, _ = claim_upload("compliant")
    body = assert_error_shape(
        client.post("/v1/checks", files={"manifest": (None, fields["manifest"])}),
        422,
        "invalid_request",
    )
    assert body["problems"][0]["location"] == "files"


@pytest.mark.parametrize(
    ("accept", "chosen"),
    [
        (None, "application/json"),
        ("", "application/json"),
        ("garbage", "application/json"),  # nothing parseable: as if unsent
        ("text/html;q=0, text/*", None),  # the exact range wins over text/* and refuses html
        ("text/*;q=0.2, application/json;q=0.1", "text/html"),
        ("application/*, text/html", "application/json"),  # equal q: the client's order
        ("TEXT/HTML", "text/html"),
        ("*/*;q=0", None),
        ("image/png", None),
    ],
)
def test_best_match(accept: str | None, chosen: str | None) -> None:
    assert best_match(accept, ["application/json", "text/html"]) == chosen


def test_without_the_page_the_docs_keep_their_style() -> None:
    with client_for(self_check_page=False) as no_page:
        assert_error_shape(no_page.get("/"), 404, "not_found")
        docs = no_page.get("/docs")
        assert docs.status_code == 200
        for url in re.findall(r'href="(/static/[^"]+|/favicon.ico)"', docs.text):
            assert no_page.get(url).status_code == 200, url
