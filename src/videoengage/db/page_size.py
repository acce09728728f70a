"""Page sizes written into a statement's SQL, not sent as parameters.

psycopg prepares a statement on the server once a connection has run it a few times, and PostgreSQL
then keeps one generic plan for it unless that plan's estimate looks worse than planning for the
values. With ``LIMIT $n`` it always looked worse (the generic plan cannot know how few rows a page
takes), so each page was planned again on every execution: for the chat page, more than twice the
statement's own work (``tests/test_generic_plans.py``). A page size is an int the resolvers bounded
(at most 101), so a statement has a few variants at most.
"""

from __future__ import annotations

from sqlalchemy import BindParameter, Integer, bindparam


def page_size(value: int | None = None) -> BindParameter[int]:
    """``LIMIT`` rendered as a literal: ``value``, or the ``limit`` parameter of each execution."""
    if value is None:
        return bindparam("limit", type_=Integer(), literal_execute=True)
    return bindparam("limit", value, type_=Integer(), literal_execute=True)
