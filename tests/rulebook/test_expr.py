"""The condition language: parsing, type errors with positions, Kleene logic, two-valued forms.

The property test holds ``truth_form``/``falsity_form`` to ``evaluate`` on random conditions and
random partial facts: the durable engine runs those forms, so they must agree exactly.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_rules.rulebook.expr import (
    And,
    Arith,
    Compare,
    Const,
    Currency,
    Exists,
    ExprError,
    Field,
    First,
    Missing,
    Node,
    Not,
    Or,
    Type,
    evaluate,
    falsity_form,
    param_const,
    parse_condition,
    parse_value,
    truth_form,
)

FIELDS = {
    "c.d1": Type.DATE,
    "c.d2": Type.DATE,
    "c.d3": Type.DATE,
    "c.m1": Type.MONEY,
    "c.m2": Type.MONEY,
    "c.i1": Type.INT,
    "c.i2": Type.INT,
    "c.s1": Type.STR,
    "c.s2": Type.STR,
    "c.b1": Type.BOOL,
    "c.b2": Type.BOOL,
}
PARAMS = {
    "day": date(2024, 1, 10),
    "amt": "10.00 USD",
    "amt_eur": "10.00 EUR",
    "n": 2,
    "flag": True,
    "word": "a",
}
D1, I1, M1, S1, B1 = (Field(n, FIELDS[n]) for n in ("c.d1", "c.i1", "c.m1", "c.s1", "c.b1"))


def parse(text: str) -> Node:
    return parse_condition(text, FIELDS, PARAMS)


def lookup(values: dict[str, Any]):  # type: ignore[no-untyped-def]
    return values.get


# --- parsing ----------------------------------------------------------------------------------


def test_precedence_or_and_not() -> None:
    a, b, c = (Compare("==", I1, Const(k, Type.INT)) for k in (1, 2, 3))
    assert parse("c.i1 == 1 or c.i1 == 2 and not c.i1 == 3") == Or((a, And((b, Not(c)))))
    assert parse("(c.i1 == 1 or c.i1 == 2) and c.i1 == 3") == And((Or((a, b)), c))


def test_bool_fields_in_and_literals() -> None:
    true = Const(True, Type.BOOL)
    assert parse("c.b1") == Compare("==", B1, true)
    assert parse("not c.b1 and flag") == And(
        (Not(Compare("==", B1, true)), Compare("==", Const(True, Type.BOOL), true))
    )
    assert parse("c.s1 in [\"a\", 'b\\'c']") == Or(
        (Compare("==", S1, Const("a", Type.STR)), Compare("==", S1, Const("b'c", Type.STR)))
    )


def test_params_become_typed_constants() -> None:
    assert parse("c.d1 > day") == Compare(">", D1, Const(date(2024, 1, 10), Type.DATE))
    assert parse("c.m1 <= amt") == Compare("<=", M1, Const((Decimal("10.00"), "USD"), Type.MONEY))
    assert parse("c.i1 != n") == Compare("!=", I1, Const(2, Type.INT))
    assert param_const("p", "-3.5 EUR") == Const((Decimal("-3.5"), "EUR"), Type.MONEY)
    with pytest.raises(ExprError, match=r"parameter 'p': unsupported value 1\.5"):
        param_const("p", 1.5)


def test_first_exists_and_arithmetic() -> None:
    node = parse("c.d1 + 3 - c.i1 < first(c.d2, day)")
    assert node == Compare(
        "<",
        Arith("-", Arith("+", D1, Const(3, Type.INT)), I1),
        First((Field("c.d2", Type.DATE), Const(date(2024, 1, 10), Type.DATE))),
    )
    assert parse("exists(c.s1)") == Exists(S1)
    assert parse_value("c.d1 + n", FIELDS, PARAMS) == Arith("+", D1, Const(2, Type.INT))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("c.nope > 1", "unknown field 'c.nope' at position 0"),
        ("c.i1 > limit", "unknown parameter 'limit' at position 7"),
        ("c.d1 > 5", "cannot compare date with int at position 5"),
        ('c.s1 < "a"', "< needs dates, amounts or numbers, not str (position 5)"),
        ("c.b1 >= true", ">= needs dates, amounts or numbers, not bool (position 5)"),
        ("c.d1 - c.d2 > 0", "cannot compute date - date at position 5"),
        ("c.i1 + c.d1 > 0", "cannot compute int + date at position 5"),
        ("c.m1 + amt > amt", "cannot compute money + money at position 5"),
        ("c.i1 >  @ 1", "unexpected character '@' at position 8"),
        ("c.i1 > 1.5", "write amounts as parameters with a currency"),
        ("(c.i1 > 1", "expected ) at position 9, found 'end of condition'"),
        ("c.i1 > 1 2", "unexpected '2' at position 9"),
        ("c.i1 < 1 < 2", "unexpected '<' at position 9"),
        ("first(c.d1, c.i1) > 1", "first() takes two or more values of one type (position 0)"),
        ("first(c.d1) > day", "first() takes two or more values of one type (position 0)"),
        ("exists(1)", "exists() takes a field name (position 0)"),
        ("c.i1 + 1", "expected a condition, found a int value"),
        ("c.i1 > 1 and c.d1", "expected a condition, found a date value"),
        ("c.s1 in []", "unexpected ']' at position 9"),
        ("c.i1 in [1, 'a']", "cannot compare int with str at position 5"),
        ("", "unexpected 'end of condition' at position 0"),
    ],
)
def test_errors_say_what_and_where(text: str, message: str) -> None:
    with pytest.raises(ExprError) as raised:
        parse(text)
    assert message in str(raised.value)


def test_claim_rules_cannot_read_documents() -> None:
    with pytest.raises(ExprError, match=r"unknown field 'doc\.role' at position 0"):
        parse_condition('doc.role == "x"', {"claim.id": Type.STR}, {})


# --- three-valued evaluation -------------------------------------------------------------------

VALUES = {
    "c.i1": 1,
    "c.d1": date(2024, 1, 1),
    "c.m1": (Decimal("5.00"), "USD"),
    "c.m2": (Decimal("5.00"), "EUR"),
    "c.s1": "a",
    "c.b1": True,
}
ATOM = {True: "exists(c.i1)", False: "exists(c.i2)", None: "c.i2 > 0"}  # i2 is missing


@pytest.mark.parametrize("a", [True, False, None])
@pytest.mark.parametrize("b", [True, False, None])
def test_kleene_and_or(a: bool | None, b: bool | None) -> None:
    table_and = False if False in (a, b) else None if None in (a, b) else True
    table_or = True if True in (a, b) else None if None in (a, b) else False
    assert evaluate(parse(f"{ATOM[a]} and {ATOM[b]}"), VALUES.get) is table_and
    assert evaluate(parse(f"{ATOM[a]} or {ATOM[b]}"), VALUES.get) is table_or


@pytest.mark.parametrize("a", [True, False, None])
def test_kleene_not(a: bool | None) -> None:
    assert evaluate(parse(f"not {ATOM[a]}"), VALUES.get) is (None if a is None else not a)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("c.i1 == 1", True),
        ("c.i1 != 1", False),
        ("c.i2 == 1", None),
        ("c.m1 >= amt", False),
        ("c.m1 < amt", True),
        ("c.m2 < amt", None),  # EUR vs USD: unknown
        ("c.m1 == c.m2", None),
        ("c.m1 > c.m3x", "unknown field"),
        ("c.d1 + 9 == day", True),
        ("c.d2 + 9 == day", None),
        ("first(c.d2, c.d1) == c.d1", True),
        ("first(c.d2, c.d3) == c.d1", None),
        ("c.s1 in ['b', 'a']", True),
        ("c.s2 in ['a']", None),
        ("c.b1", True),
        ("not c.b1", False),
        ("c.b2 != false", None),
        ("exists(c.s2)", False),
        ("not exists(c.s2)", True),
    ],
)
def test_evaluate(text: str, expected: Any) -> None:
    if isinstance(expected, str):
        with pytest.raises(ExprError, match=expected):
            parse(text)
    else:
        assert evaluate(parse(text), VALUES.get) is expected


# --- two-valued forms --------------------------------------------------------------------------


def test_forms_of_a_comparison_guard_presence_and_currency() -> None:
    node = parse("c.m1 > amt")
    guard = Compare("==", Currency(M1), Const("USD", Type.STR))
    assert truth_form(node) == And((Exists(M1), guard, node))
    assert falsity_form(node) == And((Exists(M1), guard, Compare("<=", M1, node.right)))


def test_forms_of_constants_and_presence() -> None:
    assert truth_form(parse("n == 2")) == Compare("==", Const(2, Type.INT), Const(2, Type.INT))
    assert truth_form(parse("exists(c.i1) or not exists(c.i1)")) == Or((Exists(I1), Missing(I1)))
    assert falsity_form(parse("not exists(c.i1)")) == Exists(I1)


def test_first_with_a_nested_first_in_its_head() -> None:
    """Regression: the head ``c.d1 + first(c.i1, c.i2)`` is known when c.i2 is missing."""
    node = parse("c.d2 > first(c.d1 + first(c.i1, c.i2), c.d3)")
    values = {
        "c.d2": date(2024, 1, 10),
        "c.d1": date(2024, 1, 1),
        "c.i1": 3,
        "c.d3": date(2024, 2, 1),
    }
    assert evaluate(node, values.get) is True
    assert evaluate(truth_form(node), values.get) is True
    assert evaluate(falsity_form(node), values.get) is False


def _dates(base: date = date(2024, 1, 10)) -> st.SearchStrategy[date]:
    return st.integers(-4, 4).map(lambda d: date.fromordinal(base.toordinal() + d))


VALUE_STRATEGY = {
    Type.DATE: _dates(),
    Type.MONEY: st.tuples(
        st.sampled_from([Decimal(0), Decimal("5.00"), Decimal("10.00"), Decimal("10.005")]),
        st.sampled_from(["USD", "EUR"]),
    ),
    Type.INT: st.integers(0, 3),
    Type.STR: st.sampled_from(["a", "b", ""]),
    Type.BOOL: st.booleans(),
}
BY_TYPE = {t: [n for n, ft in FIELDS.items() if ft is t] for t in Type}


def _values(kind: Type) -> st.SearchStrategy[str]:
    """Text of a value expression of type ``kind``."""
    fields = st.sampled_from(BY_TYPE[kind])
    leaves = {
        Type.DATE: st.one_of(fields, st.just("day")),
        Type.MONEY: st.one_of(fields, st.sampled_from(["amt", "amt_eur"])),
        Type.INT: st.one_of(fields, st.sampled_from(["0", "1", "3", "n"])),
        Type.STR: st.one_of(fields, st.sampled_from(['"a"', '""', "word"])),
        Type.BOOL: st.one_of(fields, st.sampled_from(["true", "false", "flag"])),
    }[kind]
    if kind in (Type.STR, Type.BOOL):
        return leaves

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        firsts = st.lists(inner, min_size=2, max_size=3).map(lambda xs: f"first({', '.join(xs)})")
        if kind is Type.MONEY:
            return firsts
        ints = _values(Type.INT) if kind is Type.DATE else inner
        sums = st.tuples(inner, st.sampled_from("+-"), ints).map(" ".join).map("({})".format)
        return st.one_of(firsts, sums)

    return st.recursive(leaves, extend, max_leaves=4)


@st.composite
def _comparison(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(list(Type)))
    ordered = kind in (Type.DATE, Type.MONEY, Type.INT)
    op = draw(st.sampled_from(["<", "<=", ">", ">=", "==", "!="] if ordered else ["==", "!="]))
    left, right = draw(_values(kind)), draw(_values(kind))
    if kind is Type.STR and draw(st.booleans()):
        return f'{left} in [{right}, "b"]'
    return f"{left} {op} {right}"


CONDITIONS = st.recursive(
    st.one_of(
        _comparison(),
        st.sampled_from(list(FIELDS)).map(lambda f: f"exists({f})"),
        st.sampled_from(BY_TYPE[Type.BOOL]),
    ),
    lambda inner: st.one_of(
        inner.map(lambda c: f"not ({c})"),
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join).map("({})".format),
    ),
    max_leaves=6,
)
PARTIAL_FACTS = st.fixed_dictionaries(
    {}, optional={name: VALUE_STRATEGY[kind] for name, kind in FIELDS.items()}
)


def _two_valued(node: Node) -> bool:
    """Only the vocabulary an engine without missing values runs: no Not, no First."""
    match node:
        case Exists() | Missing():
            return True
        case And(items=items) | Or(items=items):
            return all(_two_valued(i) for i in items)
        case Compare(left=a, right=b):
            return all(_operand(x) for x in (a, b))
    return False


def _operand(node: Node) -> bool:
    match node:
        case Field() | Currency() | Const():
            return True
        case Arith(left=a, right=b):
            return _operand(a) and _operand(b)
    return False


@pytest.mark.slow
@settings(max_examples=600, deadline=None)
@given(text=CONDITIONS, values=PARTIAL_FACTS)
def test_forms_agree_with_three_valued_evaluation(text: str, values: dict[str, Any]) -> None:
    node = parse(text)
    result = evaluate(node, values.get)
    truth, falsity = truth_form(node), falsity_form(node)
    assert _two_valued(truth) and _two_valued(falsity), text
    holds, fails = evaluate(truth, values.get), evaluate(falsity, values.get)
    assert holds in (True, False) and fails in (True, False), text
    assert holds is (result is True), text
    assert fails is (result is False), text
