"""Shared set-up. The chapter executions and the browser test form one group (``--dist loadgroup``
puts it on one worker, in this order): the chapters run at ci scale into the ci book's folder
(:data:`CI_BOOK`), and the browser test builds and opens that book."""

import os

import pytest
import torch

from samutils import layout

CI_BOOK = layout.repo_root() / "_build" / "ci"
CI_ENV = dict(os.environ, SAMUTILS_BUILD=str(CI_BOOK), SAMUTILS_SCALE="ci")


def pytest_collection_modifyitems(config, items):
    """Chapter executions and browser tests in one xdist group, the browser tests last."""
    for item in items:
        if item.get_closest_marker("browser") or item.module.__name__.endswith("test_chapters_execute"):
            item.add_marker(pytest.mark.xdist_group("ci-book"))
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(autouse=True)
def float64():
    torch.set_default_dtype(torch.float64)
    yield
