"""portal.database.read_lines: a statement's rows as named tuples with the Row's values, names and order;
SQLAlchemy's own rows where a tuple can not take the column names."""
from __future__ import annotations

from sqlalchemy import bindparam, literal, select

from portal.database import read_lines
from portal.models import Member


def test_lines_have_the_rows_values_by_name_by_index_and_unpacked(session, make):
    ole, mette = make.member(), make.member()
    session.commit()
    statement = select(Member.id, Member.first_name, Member.last_name).where(Member.id.in_([ole.id, mette.id])) \
        .order_by(Member.id)
    rows = session.execute(statement).all()
    lines = read_lines(session, statement)
    assert lines == rows and [tuple(line) for line in lines] == [tuple(row) for row in rows]
    first = lines[0]
    assert (first.id, first.first_name, first.last_name) == (ole.id, ole.first_name, ole.last_name)
    assert first[0] == ole.id and first._fields == ("id", "first_name", "last_name")
    member_id, _first_name, last_name = lines[1]
    assert (member_id, last_name) == (mette.id, mette.last_name)
    assert hash(first) == hash(rows[0])  # usable as a key, as the Row was


def test_names_a_tuple_can_not_take_give_sqlalchemy_s_rows(session):
    for statement, label in ((select(literal(1).label("a"), literal(2).label("a")), "the same name twice"),
                             (select(literal(1).label("_hidden")), "a leading underscore"),
                             (select(literal(1).label("class")), "a keyword"),
                             (select(literal(1).label("two words")), "not an identifier")):
        lines = read_lines(session, statement)
        assert type(lines[0]).__name__ == "Row", label
        assert tuple(lines[0]) == tuple(session.execute(statement).one()), label


def test_a_column_named_like_a_tuple_method_is_its_value(session):
    line = read_lines(session, select(literal(3).label("count"), literal(7).label("index")))[0]
    assert (line.count, line.index) == (3, 7)


def test_parameters_are_bound(session, make):
    member = make.member()
    session.commit()
    statement = select(Member.last_name).where(Member.id == bindparam("member_id"))
    assert read_lines(session, statement, {"member_id": member.id})[0].last_name == member.last_name
