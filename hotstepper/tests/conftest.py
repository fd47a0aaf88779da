"""`--counts-json PATH`: writes {"passed", "failed", "skipped"} for scripts/test.mjs to sum."""

from __future__ import annotations

import json

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--counts-json", default=None, help="write the test counts here as JSON")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    path = session.config.getoption("--counts-json")
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if not path or reporter is None:
        return
    count = lambda key: len(reporter.stats.get(key, []))  # noqa: E731
    counts = {
        "passed": count("passed"),
        "failed": count("failed") + count("error"),
        "skipped": count("skipped"),
        "exitstatus": int(exitstatus),
    }
    with open(path, "w", encoding="utf-8") as out:
        json.dump(counts, out)
