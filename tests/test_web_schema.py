"""Property-based tests generated from the OpenAPI schema (schemathesis): no input makes the server answer 5xx.

Every operation gets bounded examples of valid (positive) and invalid (negative) parameters, sent over real HTTP.
(Driven through hypothesis directly: schemathesis' pytest plugin does not load under this pytest.)
"""

from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")
pytest.importorskip("uvicorn")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402

from tests.web_fixtures import LiveServer, shared_server  # noqa: E402

EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 6}
# PELT with a tiny penalty is legitimately slow (seconds per call): fuzz changepoints with binary segmentation.
FIXED_QUERY = {"/api/changepoints": {"algorithm": "binseg"}}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    return shared_server(tmp_path_factory)


@pytest.fixture(scope="module")
def operations(live_server: LiveServer) -> list:
    schema = schemathesis.openapi.from_url(live_server.url + "/openapi.json")
    found = [result.ok() for result in schema.get_all_operations()]
    assert len(found) >= 15
    return found


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
def test_no_server_errors(operations: list, mode: GenerationMode) -> None:
    """Every operation, with generated parameters, answers without a server error."""
    failures: list[str] = []
    for operation in operations:

        fixed = FIXED_QUERY.get(operation.path)
        strategy = operation.as_strategy(generation_mode=mode, **({"query": fixed} if fixed else {}))

        @given(case=strategy)
        @settings(max_examples=EXAMPLES[mode], deadline=None, suppress_health_check=list(HealthCheck),
                  derandomize=True, database=None)  # fmt: skip
        def check(case) -> None:
            case.call_and_validate(checks=[not_a_server_error])

        try:
            check()
        except Unsatisfiable:  # no invalid value exists for this operation's parameters (e.g. one free-text path)
            continue
        except Exception as exc:  # collect every failing operation, then fail once with all of them
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    assert not failures, "\n\n".join(failures)
