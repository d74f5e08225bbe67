"""The durable-rules engine: rule specs compiled to Rete rulesets; nothing else imports durable.

This module owns the compiler from rule conditions to durable-rules JSON, the encoding of facts
as durable messages, and one evaluation session per claim. Each choice below answers a pitfall of
``ENGINE-NOTES.md`` (shared notes) or one measured while writing this module ("measured"):

- Plain-data rulesets, registered with ``Host.register_rulesets`` on a ``Host`` whose ``_run``
  does nothing: no ``durable.lang`` globals, no timer threads; every action runs in the caller's
  thread. Rulesets are never freed, so each Rulebook instance is compiled once (cached by identity).
- Three-valued logic: per rule, ``violated`` = truth(where) ∧ truth(when) and ``not-checked`` =
  truth(where) ∧ ¬truth(when) ∧ ¬falsity(when), over ``expr.truth_form``/``falsity_form``.
  Actions run only for findings, not for each rule that passes (see the 64 matches below).
- Measured: one fact may match at most 64 rules (error 303 *after* storing the facts, when the
  session can no longer be deleted), and a ``$or`` fires once per true disjunct; a ``$or`` of
  more than about 13 ``$and`` terms fails ruleset creation (error 113); a ruleset of more than
  512 rules spins forever at creation. So conditions compile to a *disjoint* DNF (no two terms
  can hold at once), each term its own rule with a flat ``$and`` and no ``$or``: a rule spec fires
  at most once per fact. A ruleset takes at most ``SPECS_PER_RULESET`` specs (≤ 61 matches per
  fact) and ``MAX_RULES`` rules; a larger rulebook is split across rulesets.
- Measured: the session state (``{"sid", "id": "sid-…", "$s": 1}``) is matched like a fact, so a
  pattern of only ``$nex``/``$ex`` tests, or an empty ``$and`` (which is true and even makes its
  enclosing ``$and`` true), fires forever. Every pattern tests ``subject``; no list is ever empty
  (constant conditions are folded instead: a true one is the bare subject test, a false one no
  rule at all).
- Measured: ``$neq`` against ``{"$m": missing}`` is true. Every comparison carries ``$ex`` guards.
- Absence and action semantics: the anchor (claim) fact is asserted last; a lowest-priority
  "evaluation complete" rule on it always fires (deleting a session where no action ran segfaults)
  and a lowest-priority catch-all on documents keeps ``MessageNotHandledException`` from arising.
  Fact ids are checked unique first (``MessageObservedException``). If either is raised anyway,
  the session is not deleted (that would crash) and a CoopRulesError reports it.
- Exceptions inside actions are swallowed by durable: each action catches and records its own,
  re-raised after evaluation as a CoopRulesError naming the rule.
- No dates or decimals, and a string compared with a number compares as text: dates are ordinals,
  amounts exact integer millionths (cents would round sub-cent amounts), every value is checked
  against its declared type, and integers must fit in 64 bits. Measured: strings that differ only
  past 64 KiB compare equal (a 16-bit length), so long strings are replaced by a digest (only
  ``==``/``!=`` apply to strings).
  Measured: a fact of 255 properties segfaults; only fields the rules read are sent.
- One session (unique ``sid``) per claim and ruleset, deleted afterwards (at most 1,024 live); the
  C core has no locks, so every call into it holds one module lock.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from durable.engine import Host, MessageNotHandledException, MessageObservedException

from coop_rules.engines.base import Hit, Outcome
from coop_rules.errors import CoopRulesError
from coop_rules.facts import CLAIM, DOCUMENT, Fact, FactSet, engine_key
from coop_rules.rulebook import Rulebook, RuleSpec
from coop_rules.rulebook.expr import (
    NEGATED,
    And,
    Arith,
    Compare,
    Const,
    Currency,
    Exists,
    Field,
    Missing,
    Node,
    Or,
    Type,
    falsity_form,
    fields_of,
    truth_form,
    type_of,
)

SPECS_PER_RULESET = 60  # ≤ 60 findings + 1 catch-all per fact, under durable's 64 matches
MAX_RULES = 400  # durable rules per ruleset (513 spin forever at creation)
MAX_TERMS = MAX_RULES - 2  # a rule whose disjoint DNF is larger is refused
MAX_PROPERTIES = 250  # durable segfaults at 255 properties per fact
MONEY_SCALE = 10**6  # amounts in exact millionths: every ISO 4217 minor unit, and FX rates
LONG_STRING = 1000  # characters; longer strings compare by digest
_INT64 = 2**63
_LAST = 1000  # ``pri``: larger runs later (negative values run last of all: unsigned)
_LOCK = threading.RLock()
_NAMES = itertools.count(1)
_SESSIONS = itertools.count(1)
_CACHE: dict[int, tuple[Rulebook, _Compiled]] = {}

Literal = tuple  # ("ex", key) | ("nex", key) | ("cmp", prop, op, rhs_json, guard_keys)
Term = tuple[Literal, ...]  # a conjunction; a cover is a list of pairwise disjoint terms


class _QuietHost(Host):
    def _run(self) -> None:  # no dispatch threads: actions run in the caller's thread only
        pass


_HOST: _QuietHost | None = None

# --- values ---------------------------------------------------------------------------------


def _encode(value: Any, kind: Type) -> int | str | bool:
    """A typed value as a durable scalar; ValueError for what durable would compare wrongly."""
    if kind is Type.STR and isinstance(value, str):
        if len(value) <= LONG_STRING:
            return value
        return "\0sha256:" + hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    if kind is Type.BOOL and isinstance(value, bool):
        return value
    if kind is Type.DATE and isinstance(value, date):
        value = value.toordinal()
    elif kind is Type.MONEY and isinstance(value, Decimal | int) and not isinstance(value, bool):
        scaled = value * MONEY_SCALE
        if scaled != int(scaled):
            raise ValueError(f"amount {value} is finer than a millionth")
        value = int(scaled)
    elif kind is not Type.INT or not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected a {kind} value, found {value!r}")
    if not -_INT64 <= value < _INT64:
        raise ValueError(f"{value} does not fit in 64 bits")
    return value


def _const(node: Const, rule: str) -> int | str | bool:
    try:
        return _encode(node.value[0] if node.type is Type.MONEY else node.value, node.type)
    except (ValueError, ArithmeticError) as exc:
        raise CoopRulesError(f"rule {rule}: {exc}") from None


# --- conditions -> disjoint DNF over durable tests -------------------------------------------


def _key(node: Node) -> str:
    if isinstance(node, Field):
        return engine_key(node.name)
    if isinstance(node, Currency):
        return engine_key(node.field.name) + "__ccy"
    raise TypeError(f"not a field: {node!r}")


def _linear(node: Node, rule: str) -> tuple[dict[str, int], int]:
    """A numeric value as coefficients of properties plus a constant (dates, amounts, ints)."""
    match node:
        case Field():
            return {_key(node): 1}, 0
        case Const():
            return {}, _const(node, rule)  # type: ignore[return-value]
        case Arith(op=op, left=a, right=b):
            (ta, ca), (tb, cb) = _linear(a, rule), _linear(b, rule)
            sign = 1 if op == "+" else -1
            terms = dict(ta)
            for k, c in tb.items():
                terms[k] = terms.get(k, 0) + sign * c
            return terms, ca + sign * cb
    raise CoopRulesError(f"rule {rule}: cannot compile the value {node!r} for durable")


def _sum(terms: dict[str, int], const: int) -> Any:
    """A durable arithmetic expression for Σ coef·property + const."""
    expr: Any = None
    for k, c in terms.items():
        for _ in range(abs(c)):
            if expr is None and c > 0:
                expr = {"$m": k}
            else:
                left = 0 if expr is None else expr
                expr = {"$add" if c > 0 else "$sub": {"$l": left, "$r": {"$m": k}}}
    if expr is None:
        return const
    return expr if const == 0 else {"$add" if const > 0 else "$sub": {"$l": expr, "$r": abs(const)}}


_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "==": "$eq", "!=": "$neq"}


def _comparison(node: Compare, rule: str) -> tuple[str, str, Any] | bool:
    """``prop op rhs`` with a property on the left, or the constant truth of the comparison."""
    a, b, op = node.left, node.right, node.op
    if type_of(a) is not type_of(b):
        raise CoopRulesError(f"rule {rule}: compares {type_of(a)} with {type_of(b)}")
    if type_of(a) in (Type.DATE, Type.MONEY, Type.INT):
        (ta, ca), (tb, cb) = _linear(a, rule), _linear(b, rule)
        terms = dict(ta)  # left − right  op  0
        for k, c in tb.items():
            terms[k] = terms.get(k, 0) - c
        terms = {k: c for k, c in terms.items() if c}
        const = ca - cb
        if not terms:
            return bool(
                {
                    "<": const < 0,
                    "<=": const <= 0,
                    ">": const > 0,
                    ">=": const >= 0,
                    "==": const == 0,
                    "!=": const != 0,
                }[op]
            )
        prop, c = next(iter(terms.items()))
        # c·p + rest op 0  ⇔  p op −rest − (c−1)·p (c > 0), or p mirror(op) rest + (c+1)·p (c < 0)
        sign = -1 if c > 0 else 1
        rest = {k: sign * v for k, v in terms.items() if k != prop}
        rest[prop] = sign * (c - 1 if c > 0 else c + 1)
        return prop, op if c > 0 else _MIRROR[op], _sum(rest, sign * const)
    if not all(isinstance(x, Const | Field | Currency) for x in (a, b)):
        raise CoopRulesError(f"rule {rule}: cannot compile the comparison {node!r} for durable")
    sides = [x if isinstance(x, Const) else _key(x) for x in (a, b)]
    if isinstance(sides[0], Const) and isinstance(sides[1], Const):
        return (sides[0].value == sides[1].value) == (op == "==")
    if sides[0] == sides[1]:
        return op == "=="
    if isinstance(sides[0], Const):
        sides.reverse()
    left, right = sides
    assert isinstance(left, str)  # a field's key: two constants were decided above
    rhs = _const(right, rule) if isinstance(right, Const) else {"$m": right}
    return left, op, rhs


def _guards(node: Node) -> Term:
    return tuple(("ex", engine_key(f.name)) for f in fields_of(node))


def _missing_cover(guards: Term) -> list[Term]:
    """Disjoint terms for "some guarded property is missing"."""
    return [(*guards[:i], ("nex", g[1])) for i, g in enumerate(guards)]


def _cover(node: Node, want: bool, rule: str) -> list[Term]:
    """Pairwise disjoint terms whose union holds exactly when two-valued ``node`` is ``want``."""
    match node:
        case Exists(field=f) | Missing(field=f):
            return [(("ex" if want == isinstance(node, Exists) else "nex", engine_key(f.name)),)]
        case Compare():
            guards, test = _guards(node), _comparison(node, rule)
            if isinstance(test, bool):
                return ([guards] if test else []) if want else ([] if test else [()])
            prop, op, rhs = test
            literal = ("cmp", prop, op if want else NEGATED[op], json.dumps(rhs), guards)
            return [(*guards, literal)] if want else [*_missing_cover(guards), (*guards, literal)]
        case And(items=items) | Or(items=items):
            # Conjunction: product of the items' covers. Disjunction as a decision list:
            # a ∨ (¬a ∧ b) ∨ (¬a ∧ ¬b ∧ c), which keeps its terms disjoint. ¬ by de Morgan.
            conjunctive = isinstance(node, And) == want
            if conjunctive:
                result: list[Term] = [()]
                for item in items:
                    result = _product(result, _cover(item, want, rule), rule)
                return result
            disjoint: list[Term] = []
            prefix: list[Term] = [()]
            for item in items:
                disjoint += _product(prefix, _cover(item, want, rule), rule)
                prefix = _product(prefix, _cover(item, not want, rule), rule)
            return disjoint
    raise CoopRulesError(f"rule {rule}: cannot compile {node!r} for durable")


def _product(left: list[Term], right: list[Term], rule: str) -> list[Term]:
    terms = []
    for a in left:
        for b in right:
            term = tuple(dict.fromkeys(a + b))
            if _consistent(term):
                terms.append(term)
    if len(terms) > MAX_TERMS:
        raise CoopRulesError(f"rule {rule}: condition too complex for durable-rules")
    return terms


def _consistent(term: Term) -> bool:
    """False when the term can never hold (x present and missing, a test and its negation)."""
    literals = set(term)
    for lit in term:
        if lit[0] == "ex" and ("nex", lit[1]) in literals:
            return False
        if lit[0] == "cmp" and ("cmp", lit[1], NEGATED[lit[2]], *lit[3:]) in literals:
            return False
    return True


def _test(lit: Literal) -> dict:
    if lit[0] in ("ex", "nex"):
        return {f"${lit[0]}": {lit[1]: 1}}
    _, prop, op, rhs, _ = lit
    rhs = json.loads(rhs)
    return {prop: rhs} if op == "==" else {_OPS[op]: {prop: rhs}}


def _pattern(subject: str, term: Term) -> dict:
    ordered = sorted(term, key=lambda lit: (lit[0] != "ex", str(lit)))  # guards first, stable
    tests = [{"subject": subject}, *(_test(lit) for lit in ordered)]
    return tests[0] if len(tests) == 1 else {"$and": tests}


def compile_rule(rule: RuleSpec) -> dict[str, dict]:
    """The durable rules (plain JSON data, without actions) for one rule spec.

    ``<code>.violated.<n>`` holds when ``where`` and ``when`` are true, ``<code>.not-checked.<n>``
    when ``where`` is true and ``when`` unknown: one rule per term of a disjoint DNF, so at most
    one of them fires per fact. A condition that can never hold gives no rule.
    """
    where: list[Term] = (
        [()] if rule.where is None else _cover(truth_form(rule.where), True, rule.code)
    )
    true_form, false_form = truth_form(rule.when), falsity_form(rule.when)
    covers = {
        Outcome.VIOLATED: _product(where, _cover(true_form, True, rule.code), rule.code),
        Outcome.NOT_CHECKED: _product(
            _product(where, _cover(true_form, False, rule.code), rule.code),
            _cover(false_form, False, rule.code),
            rule.code,
        ),
    }
    if sum(map(len, covers.values())) > MAX_TERMS:
        raise CoopRulesError(f"rule {rule.code}: condition too complex for durable-rules")
    return {
        f"{rule.code}.{outcome}.{n}": {"all": [{"m": _pattern(rule.subject, term)}]}
        for outcome, cover in covers.items()
        for n, term in enumerate(cover, start=1)
    }


# --- rulesets and sessions -------------------------------------------------------------------


@dataclass
class _Session:
    sid: str
    found: set[tuple[str, str, Outcome]] = field(default_factory=set)
    errors: list[tuple[str, Exception]] = field(default_factory=list)
    actions: int = 0
    complete: bool = False


class _Compiled:
    """The rulesets of one rulebook (a chunk of rules each) and the fields they read."""

    def __init__(self, rulebook: Rulebook) -> None:
        codes = [r.code for r in rulebook]
        if len(set(codes)) != len(codes):
            raise CoopRulesError("the rulebook has two rules with the same code")
        read = {
            f.name: f.type
            for r in rulebook
            for node in (r.where, r.when)
            if node
            for f in fields_of(node)
        }
        self.fields = [(name, engine_key(name), kind) for name, kind in read.items()]
        if len(read) + sum(kind is Type.MONEY for kind in read.values()) > MAX_PROPERTIES:
            raise CoopRulesError("the rules read more fields than durable-rules holds per fact")
        self.session: _Session | None = None
        chunks: list[list[dict[str, dict]]] = [[]]
        for rule in rulebook:
            compiled, chunk = compile_rule(rule), chunks[-1]
            if chunk and (
                len(chunk) == SPECS_PER_RULESET
                or sum(map(len, chunk)) + len(compiled) > MAX_RULES - 2
            ):
                chunks.append(chunk := [])
            chunk.append(compiled)
        self.definitions: dict[str, dict[str, dict]] = {}
        for chunk in chunks:
            definition = {name: body for compiled in chunk for name, body in compiled.items()}
            definition["catch-all.document"] = {"pri": _LAST, "all": [{"m": {"subject": DOCUMENT}}]}
            definition["evaluation-complete"] = {"pri": _LAST, "all": [{"m": {"subject": CLAIM}}]}
            self.definitions[f"coop_rules_{next(_NAMES)}"] = definition
        with_actions = {
            name: {rule: {**body, "run": self._action(rule)} for rule, body in definition.items()}
            for name, definition in self.definitions.items()
        }
        try:
            _host().register_rulesets(with_actions)  # durable deletes "run" from these copies
        except Exception as exc:
            raise CoopRulesError(f"durable-rules refused the compiled rules: {exc}") from exc

    def _action(self, rule: str):
        code, _, outcome = rule.partition(".")
        outcome = outcome.partition(".")[0]

        def run(c: Any) -> None:  # durable calls a one-argument function synchronously
            session = self.session
            if session is None or c.s.sid != session.sid:
                return
            session.actions += 1
            try:
                if rule == "evaluation-complete":
                    session.complete = True
                elif outcome in (Outcome.VIOLATED, Outcome.NOT_CHECKED):
                    session.found.add((code, c.m.id, Outcome(outcome)))
            except Exception as exc:  # durable would swallow it: record it for the caller
                session.errors.append((code, exc))

        return run

    def view(self, fact: Fact, shared: dict[int, dict[str, Any]] | None = None) -> dict[str, Any]:
        """The fact as a durable message: only the fields the rules read, encoded exactly.

        ``shared`` remembers encodings by Value identity: every document fact carries the
        claim's values (the same objects), which are then encoded once per claim.
        """
        message: dict[str, Any] = {"id": fact.id, "subject": fact.subject}
        memo = {} if shared is None else shared
        for name, key, kind in self.fields:
            found = fact.values.get(name)
            if found is None or not found.known:
                continue
            encoded = memo.get(id(found))
            if encoded is None:
                encoded = memo[id(found)] = self._encode_field(fact, name, key, kind, found.value)
            message.update(encoded)
        return message

    @staticmethod
    def _encode_field(fact: Fact, name: str, key: str, kind: Type, value: Any) -> dict[str, Any]:
        try:
            if kind is Type.MONEY:
                amount, currency = value
                return {key + "__ccy": _encode(currency, Type.STR), key: _encode(amount, kind)}
            return {key: _encode(value, kind)}
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise CoopRulesError(f"fact {fact.id}: {name}: {exc}") from None

    def evaluate(self, facts: FactSet) -> set[tuple[str, str, Outcome]]:
        if facts.claim.subject != CLAIM or any(
            d.subject not in (CLAIM, DOCUMENT) for d in facts.documents
        ):
            raise CoopRulesError("a claim's facts must be one claim and its documents")
        if len({f.id for f in facts}) != len(facts.documents) + 1:
            raise CoopRulesError(f"claim {facts.claim.label}: two facts have the same id")
        shared: dict[int, dict[str, Any]] = {}  # the claim's values, encoded once
        views = [self.view(f, shared) for f in (*facts.documents, facts.claim)]  # anchor last
        found: set[tuple[str, str, Outcome]] = set()
        with _LOCK:
            for name in self.definitions:
                sid = str(next(_SESSIONS))
                self.session = session = _Session(sid)
                try:
                    _host().assert_facts(name, [{**view, "sid": sid} for view in views])
                except (MessageNotHandledException, MessageObservedException) as exc:
                    refused = f"durable-rules refused the facts: {exc.message}"
                    raise CoopRulesError(refused) from None
                except Exception as exc:
                    raise CoopRulesError(f"durable-rules failed on the facts: {exc}") from exc
                finally:
                    self.session = None
                    if session.actions:  # deleting a session in which no action ran segfaults
                        _host().delete_state(name, sid)
                if session.errors:
                    code, error = session.errors[0]
                    failed = f"rule {code}: the durable action failed: {error!r}"
                    raise CoopRulesError(failed) from error
                if not session.complete:
                    raise CoopRulesError("durable-rules did not complete the evaluation")
                found |= session.found
        return found


def _host() -> _QuietHost:
    global _HOST
    if _HOST is None:
        _HOST = _QuietHost()
    return _HOST


class DurableEngine:
    """Evaluates a rulebook with durable-rules; the same findings as ``PythonEngine``."""

    name = "durable"

    def __init__(self, rulebook: Rulebook) -> None:
        self.rulebook = rulebook
        with _LOCK:
            cached = _CACHE.get(id(rulebook))
            if cached is None or cached[0] is not rulebook:
                cached = _CACHE[id(rulebook)] = (rulebook, _Compiled(rulebook))
        self._compiled = cached[1]

    @property
    def definitions(self) -> dict[str, dict[str, dict]]:
        """The registered rulesets as plain data (name -> rule name -> rule), for inspection."""
        return self._compiled.definitions

    def evaluate(self, facts: FactSet) -> list[Hit]:
        """Every (rule, fact) whose outcome is violated or not-checked, sorted."""
        return sorted(
            Hit(code, fact_id, outcome) for code, fact_id, outcome in self._compiled.evaluate(facts)
        )
