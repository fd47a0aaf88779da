"""`--counts-json PATH`: writes {"passed", "failed", "skipped", "tests"} for scripts/test.mjs to sum
(and to find the slowest tests: "tests" holds each test's name and seconds)."""

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
    durations: dict[str, float] = {}
    for reports in reporter.stats.values():
        for report in reports:
            if isinstance(report, pytest.TestReport):
                durations[report.nodeid] = durations.get(report.nodeid, 0.0) + report.duration
    counts = {
        "passed": count("passed"),
        "failed": count("failed") + count("error"),
        "skipped": count("skipped"),
        "exitstatus": int(exitstatus),
        # Set-up (fixtures such as the wheel's venv) and tear-down included.
        "tests": [{"name": name, "duration": seconds} for name, seconds in durations.items()],
    }
    with open(path, "w", encoding="utf-8") as out:
        json.dump(counts, out)
