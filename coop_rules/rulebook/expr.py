"""The rule condition language: a small, safe expression grammar, parsed and never ``eval``-ed.

Grammar (precedence from loose to tight)::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum
                   | "in" "[" literal ("," literal)* "]")?
    sum     := atom (("+" | "-") atom)*
    atom    := NUMBER | STRING | "true" | "false" | FIELD | PARAM | "(" expr ")"
             | "exists" "(" FIELD ")" | "first" "(" sum ("," sum)+ ")"

``FIELD`` is a dotted name (``claim.usage_end``, ``doc.issue_date``); a bare name is a rule
parameter, replaced by its value when the rule is compiled. Values have types (date, money, int,
str, bool) checked at compile time, so that a date is never silently compared with a string.

Conditions are three-valued: a comparison that needs a missing value is *unknown*, and so is a
rule whose condition ends up unknown; the report then says the rule could not be checked instead
of passing silently. ``truth_form`` and ``falsity_form`` rewrite a condition into two plain
two-valued conditions over field presence, which is what an engine without missing-value logic
(durable-rules) can run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from coop_rules.money import Money


class ExprError(ValueError):
    """A condition or template that does not parse or type-check."""


class Type(StrEnum):
    DATE = "date"
    MONEY = "money"
    INT = "int"
    STR = "str"
    BOOL = "bool"


# --- AST ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    name: str  # qualified: "claim.usage_end"
    type: Type


@dataclass(frozen=True)
class Currency:
    """The currency of a money field (used by the currency guards of money comparisons)."""

    field: Field


@dataclass(frozen=True)
class Const:
    value: Any  # date | Decimal | int | str | bool | Money
    type: Type


@dataclass(frozen=True)
class Arith:
    op: str  # "+" | "-"
    left: Node
    right: Node


@dataclass(frozen=True)
class First:
    """The first known of its operands (a default for a missing value)."""

    items: tuple[Node, ...]


@dataclass(frozen=True)
class Compare:
    op: str  # "<" "<=" ">" ">=" "==" "!="
    left: Node
    right: Node


@dataclass(frozen=True)
class Exists:
    field: Field


@dataclass(frozen=True)
class Missing:
    field: Field


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Field | Currency | Const | Arith | First | Compare | Exists | Missing | And | Or | Not

NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
ORDERED = {Type.DATE, Type.MONEY, Type.INT}

# --- parsing --------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>\d+(?:\.\d+)?)
      | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
      | (?P<op><=|>=|==|!=|<|>|\+|-|\(|\)|\[|\]|,)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "exists", "first"}


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            at = len(text) - len(text[pos:].lstrip())  # the character's position, not the space's
            raise ExprError(f"unexpected character {text[at]!r} at position {at}")
        group = match.lastgroup or ""
        value, start = match.group(group), match.start(group)
        kind = value if group == "name" and value in _KEYWORDS else group
        tokens.append((kind, value, start))
        pos = match.end()
    tokens.append(("end", "", len(text)))
    return tokens


FieldTypes = Mapping[str, Type]
Params = Mapping[str, Any]


class _Parser:
    def __init__(self, text: str, fields: FieldTypes, params: Params) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.fields = fields
        self.params = params

    # token helpers
    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.pos]

    def take(self, *kinds: str) -> tuple[str, str, int]:
        token = self.peek()
        if kinds and token[0] not in kinds and token[1] not in kinds:
            found = token[1] or "end of condition"
            raise ExprError(
                f"expected {' or '.join(kinds)} at position {token[2]}, found {found!r}"
            )
        self.pos += 1
        return token

    def accept(self, kind: str) -> bool:
        if self.peek()[0] == kind or (self.peek()[0] == "op" and self.peek()[1] == kind):
            self.pos += 1
            return True
        return False

    # grammar
    def parse(self) -> Node:
        node = self.or_()
        if self.peek()[0] != "end":
            raise ExprError(f"unexpected {self.peek()[1]!r} at position {self.peek()[2]}")
        return node

    def or_(self) -> Node:
        items = [self.and_()]
        while self.accept("or"):
            items.append(self.and_())
        return items[0] if len(items) == 1 else Or(tuple(_boolean(i) for i in items))

    def and_(self) -> Node:
        items = [self.not_()]
        while self.accept("and"):
            items.append(self.not_())
        return items[0] if len(items) == 1 else And(tuple(_boolean(i) for i in items))

    def not_(self) -> Node:
        if self.accept("not"):
            return Not(_boolean(self.not_()))
        return self.compare()

    def compare(self) -> Node:
        left = self.sum_()
        kind, value, at = self.peek()
        if kind == "op" and value in NEGATED:
            self.pos += 1
            return _compare(value, left, self.sum_(), at)
        if kind == "in":
            self.pos += 1
            self.take("[")
            options = [self.atom()]
            while self.accept(","):
                options.append(self.atom())
            self.take("]")
            return Or(tuple(_compare("==", left, option, at) for option in options))
        return left

    def sum_(self) -> Node:
        node = self.atom()
        while self.peek()[0] == "op" and self.peek()[1] in "+-":
            _, op, at = self.take()  # the operator's position, as for comparisons
            node = _arith(op, node, self.atom(), at)
        return node

    def atom(self) -> Node:
        kind, value, at = self.take()
        if kind == "number":
            if "." in value:
                raise ExprError(
                    f'write amounts as parameters with a currency ("18750.00 USD"), '
                    f"not as a bare number (position {at})"
                )
            return Const(int(value), Type.INT)
        if kind == "string":
            return Const(_unquote(value), Type.STR)
        if kind in ("true", "false"):
            return Const(kind == "true", Type.BOOL)
        if kind == "exists":
            self.take("(")
            target = self.atom()
            self.take(")")
            if not isinstance(target, Field):
                raise ExprError(f"exists() takes a field name (position {at})")
            return Exists(target)
        if kind == "first":
            self.take("(")
            items = [self.sum_()]
            while self.accept(","):
                items.append(self.sum_())
            self.take(")")
            types = {type_of(i) for i in items}
            if len(items) < 2 or len(types) != 1:
                raise ExprError(f"first() takes two or more values of one type (position {at})")
            return First(tuple(items))
        if kind == "op" and value == "(":
            node = self.or_()
            self.take(")")
            return node
        if kind == "name":
            return self.name(value, at)
        raise ExprError(f"unexpected {value or 'end of condition'!r} at position {at}")

    def name(self, name: str, at: int) -> Node:
        if "." in name:
            if name not in self.fields:
                raise ExprError(f"unknown field {name!r} at position {at}")
            return Field(name, self.fields[name])
        if name not in self.params:
            raise ExprError(f"unknown parameter {name!r} at position {at} (declare it in params)")
        return param_const(name, self.params[name])


def param_const(name: str, value: Any) -> Const:
    """A parameter's value as a typed constant (money is written ``"18750.00 USD"``)."""
    if isinstance(value, bool):
        return Const(value, Type.BOOL)
    if isinstance(value, int):
        return Const(value, Type.INT)
    if isinstance(value, date):
        return Const(value, Type.DATE)
    if isinstance(value, str):
        money = re.fullmatch(r"(-?\d+(?:\.\d+)?) ([A-Z]{3})", value.strip())
        if money:
            return Const(Money(Decimal(money.group(1)), money.group(2)), Type.MONEY)
        return Const(value, Type.STR)
    raise ExprError(f"parameter {name!r}: unsupported value {value!r}")


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def type_of(node: Node) -> Type:
    match node:
        case Field(type=t) | Const(type=t):
            return t
        case Currency():
            return Type.STR
        case Arith(left=left):
            return type_of(left)
        case First(items=items):
            return type_of(items[0])
    return Type.BOOL


def _boolean(node: Node) -> Node:
    if type_of(node) is not Type.BOOL:
        raise ExprError(f"expected a condition, found a {type_of(node)} value")
    if isinstance(node, Field | Const):
        return Compare("==", node, Const(True, Type.BOOL))
    return node


def _compare(op: str, left: Node, right: Node, at: int) -> Compare:
    lt, rt = type_of(left), type_of(right)
    if lt is not rt:
        raise ExprError(f"cannot compare {lt} with {rt} at position {at}")
    if op not in ("==", "!=") and lt not in ORDERED:
        raise ExprError(f"{op} needs dates, amounts or numbers, not {lt} (position {at})")
    return Compare(op, left, right)


def _arith(op: str, left: Node, right: Node, at: int) -> Arith:
    lt, rt = type_of(left), type_of(right)
    if (lt, rt) not in ((Type.DATE, Type.INT), (Type.INT, Type.INT)):
        raise ExprError(
            f"cannot compute {lt} {op} {rt} at position {at} (date ± days, or int ± int)"
        )
    return Arith(op, left, right)


def parse_condition(text: str, fields: FieldTypes, params: Params) -> Node:
    """Parse and type-check a condition; raise ExprError with the position on a mistake."""
    return _boolean(_Parser(text, fields, params).parse())


def parse_value(text: str, fields: FieldTypes, params: Params) -> Node:
    """Parse a value expression (a template placeholder such as ``claim.usage_end + 45``)."""
    parser = _Parser(text, fields, params)
    node = parser.sum_()
    if parser.peek()[0] != "end":
        raise ExprError(f"unexpected {parser.peek()[1]!r} at position {parser.peek()[2]}")
    return node


def fields_of(node: Node) -> list[Field]:
    """Every field a node reads, in order of appearance, without repeats."""
    found: dict[str, Field] = {}

    def walk(n: Node) -> None:
        match n:
            case Field():
                found.setdefault(n.name, n)
            case Currency(field=f) | Exists(field=f) | Missing(field=f):
                found.setdefault(f.name, f)
            case Arith(left=a, right=b) | Compare(left=a, right=b):
                walk(a)
                walk(b)
            case First(items=items) | And(items=items) | Or(items=items):
                for item in items:
                    walk(item)
            case Not(item=item):
                walk(item)

    walk(node)
    return list(found.values())


def needed_fields(node: Node) -> list[Field]:
    """The fields whose absence can make ``node`` unknown.

    A field only tested by ``exists()`` or offered as a default that ``first()`` may skip does
    not count: its absence is an answer, not a gap.
    """
    match node:
        case Field():
            return [node]
        case Currency(field=f):
            return [f]
        case Arith(left=a, right=b) | Compare(left=a, right=b):
            return _merge(needed_fields(a), needed_fields(b))
        case First(items=items):
            return needed_fields(items[-1])
        case And(items=items) | Or(items=items):
            return _merge(*(needed_fields(i) for i in items))
        case Not(item=item):
            return needed_fields(item)
    return []


def _merge(*lists: list[Field]) -> list[Field]:
    return list({f.name: f for fields in lists for f in fields}.values())


# --- three-valued evaluation (the reference semantics) ----------------------------------------

Lookup = Callable[[str], Any]  # qualified field name -> typed value, or None when missing
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


def value_of(node: Node, lookup: Lookup) -> Any:
    """The typed value of a value node, or None when it needs a missing value.

    Money values are :class:`~coop_rules.money.Money` ``(amount, currency)`` pairs.
    """
    match node:
        case Const(value=v):
            return v
        case Field(name=name):
            return lookup(name)
        case Currency(field=f):
            money = lookup(f.name)
            return None if money is None else money[1]
        case Arith(op=op, left=a, right=b):
            left, right = value_of(a, lookup), value_of(b, lookup)
            if left is None or right is None:
                return None
            if isinstance(left, date):
                try:
                    return date.fromordinal(left.toordinal() + (right if op == "+" else -right))
                except (OverflowError, ValueError):  # beyond year 1..9999: no such date
                    return None
            return left + right if op == "+" else left - right
        case First(items=items):
            for item in items:
                found = value_of(item, lookup)
                if found is not None:
                    return found
            return None
    raise ExprError(f"not a value: {node!r}")


def evaluate(node: Node, lookup: Lookup) -> bool | None:
    """Kleene three-valued truth of a condition: True, False, or None (unknown)."""
    match node:
        case Compare(op=op, left=a, right=b):
            left, right = value_of(a, lookup), value_of(b, lookup)
            if left is None or right is None:
                return None
            if type_of(a) is Type.MONEY:
                if left[1] != right[1]:  # amounts in different currencies are not comparable
                    return None
                left, right = left[0], right[0]
            return _COMPARE[op](left, right)
        case Exists(field=f):
            return lookup(f.name) is not None
        case Missing(field=f):
            return lookup(f.name) is None
        case Not(item=item):
            result = evaluate(item, lookup)
            return None if result is None else not result
        case And(items=items):
            results = [evaluate(i, lookup) for i in items]
            if False in results:
                return False
            return None if None in results else True
        case Or(items=items):
            results = [evaluate(i, lookup) for i in items]
            if True in results:
                return True
            return None if None in results else False
    raise ExprError(f"not a condition: {node!r}")


# --- rewriting into two-valued forms for engines without missing values ----------------------

TRUE = And(())
FALSE = Or(())


def truth_form(node: Node) -> Node:
    """A two-valued condition that holds exactly when ``node`` is True."""
    return _simplify(_form(_expand_first(node), want=True))


def falsity_form(node: Node) -> Node:
    """A two-valued condition that holds exactly when ``node`` is False.

    ``node`` is unknown exactly when neither form holds.
    """
    return _simplify(_form(_expand_first(node), want=False))


def _form(node: Node, want: bool) -> Node:
    match node:
        case Compare(op=op, left=a, right=b):
            present = tuple(Exists(f) for f in fields_of(node))
            return And(
                (*present, *_currency_guard(a, b), node if want else Compare(NEGATED[op], a, b))
            )
        case Exists(field=f):
            return node if want else Missing(f)
        case Missing(field=f):
            return node if want else Exists(f)
        case Not(item=item):
            return _form(item, not want)
        case And(items=items) | Or(items=items):
            # de Morgan: "false" of a conjunction is a disjunction of "false"s, and so on.
            parts = tuple(_form(i, want) for i in items)
            return And(parts) if isinstance(node, And) == want else Or(parts)
    raise ExprError(f"not a condition: {node!r}")


def _currency_guard(a: Node, b: Node) -> tuple[Node, ...]:
    """Amounts compare (true or false) only in one currency; otherwise the result is unknown."""
    if type_of(a) is not Type.MONEY:
        return ()
    return (Compare("==", _currency_of(a), _currency_of(b)),)


def _currency_of(node: Node) -> Node:
    if isinstance(node, Field):
        return Currency(node)
    if isinstance(node, Const):
        return Const(node.value[1], Type.STR)
    raise ExprError("money values are fields or constants")


def _expand_first(node: Node) -> Node:
    """Rewrite ``x < first(a, b)`` as ``(a known and x < a) or (a unknown and x < b)``."""
    match node:
        case Compare(op=op, left=a, right=b):
            target = _find_first(a) or _find_first(b)
            if target is None:
                return node
            head, rest = target.items[0], target.items[1:]
            tail = rest[0] if len(rest) == 1 else First(rest)
            with_head = Compare(op, _replace(a, target, head), _replace(b, target, head))
            with_tail = Compare(op, _replace(a, target, tail), _replace(b, target, tail))
            return Or(
                (
                    And((_known(head, True), _expand_first(with_head))),
                    And((_known(head, False), _expand_first(with_tail))),
                )
            )
        case And(items=items):
            return And(tuple(_expand_first(i) for i in items))
        case Or(items=items):
            return Or(tuple(_expand_first(i) for i in items))
        case Not(item=item):
            return Not(_expand_first(item))
    return node


def _known(node: Node, want: bool) -> Node:
    """A two-valued condition: the value ``node`` is known (``want``), or it is unknown.

    Not simply "all its fields exist": ``first(a, b)`` is known when *either* is, so a head such
    as ``x + first(a, b)`` is known with ``b`` missing.
    """
    match node:
        case Field():
            return Exists(node) if want else Missing(node)
        case Currency(field=f):
            return _known(f, want)
        case Arith(left=a, right=b):
            parts = (_known(a, want), _known(b, want))
            return And(parts) if want else Or(parts)
        case First(items=items):
            alternatives = tuple(_known(i, want) for i in items)
            return Or(alternatives) if want else And(alternatives)
    return TRUE if want else FALSE  # a constant is always known


def _find_first(node: Node) -> First | None:
    match node:
        case First():
            return node
        case Arith(left=a, right=b):
            return _find_first(a) or _find_first(b)
    return None


def _replace(node: Node, target: Node, by: Node) -> Node:
    if node is target:
        return by
    if isinstance(node, Arith):
        return Arith(node.op, _replace(node.left, target, by), _replace(node.right, target, by))
    return node


def _simplify(node: Node) -> Node:
    """Flatten nested and/or and drop constant parts, so engines get small conditions."""
    if not isinstance(node, And | Or):
        return node
    kind = type(node)
    unit, zero = (TRUE, FALSE) if kind is And else (FALSE, TRUE)
    items: list[Node] = []
    for item in (_simplify(i) for i in node.items):
        if item == zero:
            return zero
        if item == unit:
            continue
        for part in item.items if isinstance(item, kind) else (item,):
            if part not in items:
                items.append(part)
    if len(items) == 1:
        return items[0]
    return kind(tuple(items))
