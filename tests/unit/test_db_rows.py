"""`stored_id`: the id of a row read back from the database, typed `int`."""

import pytest

from expo.db import stored_id
from forums.models import Forum


def test_a_stored_row_gives_its_id() -> None:
    assert stored_id(Forum(id=3, slug="ai", title_zh="人工智能", title_en="AI")) == 3


def test_a_row_not_flushed_yet_is_refused() -> None:
    with pytest.raises(ValueError, match="Forum has no id: it is not stored yet"):
        stored_id(Forum(slug="ai", title_zh="人工智能", title_en="AI"))
