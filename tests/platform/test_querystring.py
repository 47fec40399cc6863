"""The one parser of numbers and id lists in query strings (prm.querystring)."""

import pytest

from prm.querystring import QueryValueError, int_or_default, parse_ids, parse_int


@pytest.mark.parametrize(("raw", "expected"), [("7", 7), (" 42 ", 42), ("000123", 123)])
def test_whole_numbers_in_ascii_digits_are_read(raw, expected):
    assert parse_int(raw) == expected


@pytest.mark.parametrize("raw", ["", "²", "٣", "１２", "-1", "0", "1.5", "1e3", "9" * 19, "abc", "7 7"])
def test_anything_else_is_refused(raw):
    with pytest.raises(QueryValueError):
        parse_int(raw)


def test_bounds_are_enforced():
    assert parse_int("200", maximum=200) == 200
    with pytest.raises(QueryValueError, match="from 1 to 200"):
        parse_int("201", maximum=200)


def test_id_lists_keep_the_order_given_once_each():
    assert parse_ids("8, 4,8,15") == (8, 4, 15)


@pytest.mark.parametrize("raw", ["", ",", "4,²", "4,,x", "4;8", "0", "9" * 19])
def test_bad_id_lists_are_refused(raw):
    with pytest.raises(QueryValueError):
        parse_ids(raw)


def test_an_id_list_is_bounded():
    assert len(parse_ids(",".join(str(n) for n in range(1, 201)))) == 200
    with pytest.raises(QueryValueError, match="at most 200"):
        parse_ids(",".join(str(n) for n in range(1, 202)))


@pytest.mark.parametrize(("raw", "expected"), [(None, 1), ("", 1), ("3", 3), ("²", 1), ("-2", 1), ("9" * 30, 1)])
def test_page_links_people_edit_fall_back_to_the_default(raw, expected):
    assert int_or_default(raw, 1) == expected
