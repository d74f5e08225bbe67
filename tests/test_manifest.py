"""The claim manifest: valid ones load, invalid ones report every problem with its field path."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from coop_rules.claim.manifest import find_manifest, load_manifest, manifest_schema
from coop_rules.errors import ConfigurationError, CoopRulesError

VALID = {
    "claim_id": "FY24-H2-0001",
    "partner": {"legal_name": "Contoso Marketing GmbH", "country": "DE", "tax_id": "DE123456789"},
    "program": {"code": "MCPP-CO-OP", "fiscal_year": "FY24"},
    "usage_period": {"start": "2024-01-01", "end": "2024-06-30"},
    "funds": {"currency": "EUR", "earned": "40000.00", "already_claimed": "10000.00"},
    "activity": {"type": "digital-advertising", "start": "2024-03-01", "end": "2024-04-30"},
    "claimed": {"amount": "12000.00", "currency": "EUR"},
    "submission_date": "2024-07-20",
    "documents": [{"path": "invoice.pdf", "role": "invoice", "note": "Agency invoice"}],
}


def write(tmp_path: Path, data: object, name: str = "claim.yaml") -> Path:
    path = tmp_path / name
    text = json.dumps(data) if name.endswith(".json") else yaml.safe_dump(data)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["claim.yaml", "claim.json"])
def test_valid_manifest_loads_typed_values(tmp_path: Path, name: str) -> None:
    manifest = load_manifest(write(tmp_path, VALID, name))
    assert manifest.usage_period.end == date(2024, 6, 30)
    assert manifest.claimed.amount == Decimal("12000.00")
    assert manifest.documents[0].role == "invoice"
    assert find_manifest(tmp_path).name == name


def test_every_problem_is_reported_at_once_with_its_path(tmp_path: Path) -> None:
    data = json.loads(json.dumps(VALID))
    data["funds"]["currency"] = "euro"
    data["activity"]["end"] = "2024-02-30"
    data["documents"][0]["role"] = "receipt-ish"
    data["documents"].append({"path": "../etc/passwd", "role": "poe"})
    data["unexpected"] = 1
    del data["claimed"]
    with pytest.raises(ConfigurationError) as caught:
        load_manifest(write(tmp_path, data))
    locations = {p.location for p in caught.value.problems}
    assert locations == {
        "funds.currency",
        "activity.end",
        "documents[0].role",
        "documents[1].path",
        "unexpected",
        "claimed",
    }
    messages = {p.location: p.message for p in caught.value.problems}
    assert messages["claimed"] == "required field is missing"
    assert messages["unexpected"] == "unknown field"


def test_end_before_start_is_a_problem(tmp_path: Path) -> None:
    data = {**VALID, "usage_period": {"start": "2024-06-30", "end": "2024-01-01"}}
    with pytest.raises(
        ConfigurationError, match=r"usage_period\.end: end 2024-01-01 is before start 2024-06-30$"
    ):
        load_manifest(write(tmp_path, data))


def test_float_amount_with_many_decimals_is_refused(tmp_path: Path) -> None:
    data = {**VALID, "claimed": {"amount": 12000.123, "currency": "EUR"}}
    with pytest.raises(ConfigurationError, match=r"claimed\.amount: write the amount as a quoted"):
        load_manifest(write(tmp_path, data))


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "claim.yaml"
    path.write_text("claim_id: x\npartner: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match="line 3"):
        load_manifest(path)


def test_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CoopRulesError, match="no claim manifest"):
        find_manifest(tmp_path)


def test_schema_describes_the_manifest() -> None:
    schema = manifest_schema()
    assert set(schema["required"]) >= {"claim_id", "partner", "usage_period", "claimed"}
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(VALID, schema)


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.sampled_from([*VALID, "x"]), children, max_size=6)
        ),
        max_leaves=20,
    )
)
def test_loader_never_crashes_on_arbitrary_data(
    tmp_path_factory: pytest.TempPathFactory, data: object
) -> None:
    path = write(tmp_path_factory.mktemp("m"), data, "claim.json")
    try:
        load_manifest(path)
    except ConfigurationError as exc:
        assert exc.problems and all(p.location and p.message for p in exc.problems)


def test_an_alias_bomb_is_one_short_problem(tmp_path: Path) -> None:
    # "Billion laughs" in YAML: 9 levels of 9 aliases, a tiny file whose value prints as
    # 300 MB. The problem quotes a bounded sketch of it.
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
    lines.append("claim_id: *l8")
    path = tmp_path / "claim.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_manifest(path)
    (claim_id,) = [p for p in caught.value.problems if p.location == "claim_id"]
    assert claim_id.message.startswith("Input should be a valid string (got [[")
    assert len(claim_id.message) < 400


def test_a_huge_manifest_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "claim.yaml"
    path.write_text("claim_id: x\n" + "# padding\n" * 200_000, encoding="utf-8")
    with pytest.raises(ConfigurationError) as caught:
        load_manifest(path)
    assert [str(p) for p in caught.value.problems] == [
        "(file): larger than 1 MB: not a claim manifest"
    ]
