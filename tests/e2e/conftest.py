"""Every handoff in the end-to-end tests carries the context an associate needs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.handoffs import missing_context


@pytest.fixture(autouse=True)
def every_handoff_has_its_context(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test that used the stack: each handoff it produced is complete."""
    if "stack" not in request.fixturenames:
        yield
        return
    stack = request.getfixturevalue("stack")
    start = len(stack.handoffs)
    yield
    incomplete = {i: p for i, h in enumerate(stack.handoffs[start:]) if (p := missing_context(h))}
    assert incomplete == {}, f"handoffs without their full context: {incomplete}"
