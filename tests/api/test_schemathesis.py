"""schemathesis generates requests from helin's OpenAPI description and sends them to a whole
running helin over real HTTP, signed in as users with every right: no answer may be a 5xx.
(Path ids must be ``helin.api.deps.RowId``: a larger integer than the databases hold was its
first find.)

Each operation is tried with a bounded number of generated cases (``MAX_EXAMPLES``), as a
signed-in agent, a manager/tenant admin, and an operator, so the routes' bodies run as well
as their validation."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.calls.node import Node

MAX_EXAMPLES = 25
CONFIG = """\
version: 1
operators:
  - username: op
    password: "operator-password-1"
tenants:
  - name: Alpha OÜ
    sip_domain: alpha.test
    call_center: true
    recording: true
    users:
      - username: ann
        password: "ann-password-1"
        rights: [agent, manager, tenant_admin]
        numbers: ["+3725000001"]
        devices: [{kind: softphone, sip_username: ann-desk, password: "ann-sip-secret"}]
    groups:
      - name: Support
        numbers: ["+3726000100"]
        override: open
        members: [ann]
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    made = Node(tmp_path_factory.mktemp("schemathesis"), CONFIG).start()
    yield made
    made.stop()


def bearer(node: Node, username: str, password: str) -> str:
    with httpx.Client(base_url=node.http, timeout=10) as client:
        signed = client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert signed.status_code == 200, signed.text
        client.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
        made = client.post("/api/v1/auth/tokens", json={"name": "schemathesis"})
        assert made.status_code == 201, made.text
        token: str = made.json()["token"]
        return token


def test_no_request_makes_helin_fail(node: Node) -> None:
    schema = schemathesis.openapi.from_url(f"{node.http}/api/v1/openapi.json")
    tokens = {
        "tenant user": bearer(node, "ann", "ann-password-1"),
        "operator": bearer(node, "op", "operator-password-1"),
    }
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, "the OpenAPI description lists too few operations"
    for operation in operations:
        method, path = operation.method.upper(), operation.path
        if path == "/api/v1/auth/logout" or (
            method == "DELETE" and path.startswith("/api/v1/auth/tokens")
        ):
            continue  # would end the token the other cases use
        for token in tokens.values():
            exercise(operation, {"Authorization": f"Bearer {token}"})


def exercise(operation: schemathesis.APIOperation, headers: dict[str, str]) -> None:
    """``MAX_EXAMPLES`` generated requests to one operation; none may get a 5xx."""

    @given(case=operation.as_strategy())
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def call(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    call()
