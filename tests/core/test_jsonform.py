"""The JSON form of a department-year: reading it strictly and writing it back."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from xlperf.core.engine import score_year
from xlperf.core.errors import InputError
from xlperf.core.jsonform import FORMAT, year_from_dict, year_to_dict
from xlperf.core.model import TEXT_FIELDS


def refused(data, framework) -> InputError:
    with pytest.raises(InputError) as info:
        year_from_dict(data, framework)
    return info.value


class TestYearFromDict:
    def test_example(self, framework, example_data):
        """The example is read with its facts, targets, entries, texts and their JSON paths."""
        year = year_from_dict(example_data, framework)
        assert year.department == "广州市白云区科学技术协会"
        assert year.year == 2022
        assert year.framework_id == "gz-baiyun-2022"
        assert year.facts["expenditure_budget"] == Decimal("332.21")
        assert year.facts["three_public_budget"] == Decimal(18000)
        assert len(year.targets_of("产出")) == 20 and len(year.targets_of("效益")) == 7
        assert year.entry("GK01").value == "是"
        assert year.entry("ZH02").value == Decimal(0)
        assert set(year.texts) == set(TEXT_FIELDS)
        assert year.where("facts.carryover").path == "facts.carryover"
        assert year.where("indicators.GK01.value").path == "indicators.GK01.value"
        assert year.targets[3].location.path == "targets[3]"
        assert len(year.projects) == 3

    def test_minimal(self, framework):
        """An empty object is a valid (blank) department-year."""
        year = year_from_dict({}, framework)
        assert year.department == "" and year.year is None
        assert all(v is None for v in year.facts.values())
        assert set(year.facts) == {f.key for f in framework.facts}

    def test_number_strings(self, framework, example_data):
        """Facts typed as strings, full-width or grouped, are read as numbers."""
        example_data["facts"].update({"expenditure_budget": "３３２.２１", "three_public_budget": "18,000"})
        year = year_from_dict(example_data, framework)
        assert year.facts["expenditure_budget"] == Decimal("332.21")
        assert year.facts["three_public_budget"] == Decimal(18000)

    def test_not_an_object(self, framework):
        """A top level that is not an object is refused at "$"."""
        assert refused([], framework).location.path == "$"

    def test_unknown_top_level_key(self, framework, example_data):
        """An unknown top-level key is refused at that key."""
        example_data["facs"] = {}
        assert refused(example_data, framework).location.path == "facs"

    def test_wrong_format(self, framework, example_data):
        """Another format version is refused at "format"."""
        example_data["format"] = "xlperf/department-year@9"
        assert refused(example_data, framework).location.path == "format"

    def test_unknown_fact(self, framework, example_data):
        """An unknown fact key is refused at facts.<key>."""
        example_data["facts"]["budget"] = 1
        assert refused(example_data, framework).location.path == "facts.budget"

    def test_fact_with_unit(self, framework, example_data):
        """"332.21万元" as a fact is refused at facts.expenditure_budget, proposing 332.21."""
        example_data["facts"]["expenditure_budget"] = "332.21万元"
        exc = refused(example_data, framework)
        assert exc.location.path == "facts.expenditure_budget"
        assert str(exc).startswith("facts.expenditure_budget")
        assert "332.21" in exc.fix

    def test_fact_bool(self, framework, example_data):
        """A boolean fact is refused at its path."""
        example_data["facts"]["carryover"] = True
        assert refused(example_data, framework).location.path == "facts.carryover"

    def test_wrong_direction(self, framework, example_data):
        """A target direction outside ≥ ≤ = 定性 is refused at targets[i].direction."""
        example_data["targets"][2]["direction"] = "大于"
        assert refused(example_data, framework).location.path == "targets[2].direction"

    def test_keyboard_directions_are_understood(self, framework, example_data):
        """">=", "<=" and "＝" typed on a keyboard without ≥/≤ mean ≥, ≤ and =."""
        for typed, meant in ((">=", "≥"), ("<=", "≤"), ("＝", "=")):
            example_data["targets"][2]["direction"] = typed
            assert year_from_dict(example_data, framework).targets[2].direction == meant

    def test_wrong_kind(self, framework, example_data):
        """A target kind other than 产出/效益 is refused at targets[i].kind."""
        example_data["targets"][0]["kind"] = "满意度"
        assert refused(example_data, framework).location.path == "targets[0].kind"

    def test_wrong_result(self, framework, example_data):
        """A qualitative result outside the list is refused at targets[i].result."""
        example_data["targets"][5]["result"] = "完成"
        assert refused(example_data, framework).location.path == "targets[5].result"

    def test_target_number(self, framework, example_data):
        """A target value with a unit is refused at targets[i].actual."""
        example_data["targets"][1]["actual"] = "1次"
        assert refused(example_data, framework).location.path == "targets[1].actual"

    def test_target_without_name(self, framework, example_data):
        """A target without a name is refused at targets[i].name."""
        example_data["targets"][1]["name"] = " "
        assert refused(example_data, framework).location.path == "targets[1].name"

    def test_unknown_target_key(self, framework, example_data):
        """An unknown key in a target row is refused at that key."""
        example_data["targets"][0]["goal"] = 1
        assert refused(example_data, framework).location.path == "targets[0].goal"

    def test_unknown_indicator(self, framework, example_data):
        """An entry for an indicator the framework does not have is refused."""
        example_data["indicators"]["XX01"] = {"value": "是"}
        assert refused(example_data, framework).location.path == "indicators.XX01"

    def test_indicator_value_type(self, framework, example_data):
        """A 填报值 that is neither text nor number is refused at its path."""
        example_data["indicators"]["GK01"]["value"] = True
        assert refused(example_data, framework).location.path == "indicators.GK01.value"

    @pytest.mark.parametrize("value", [float("nan"), float("inf")])
    def test_indicator_value_not_finite(self, framework, example_data, value):
        """A non-finite number as 填报值 (json.loads accepts NaN) is refused at its path."""
        example_data["indicators"]["ZH02"]["value"] = value
        assert refused(example_data, framework).location.path == "indicators.ZH02.value"

    def test_nan_from_json_text(self, framework, example_data):
        """NaN in JSON text as a fact is refused at its path."""
        text = json.dumps(example_data, ensure_ascii=False).replace('"carryover": 0.9', '"carryover": NaN')
        assert refused(json.loads(text), framework).location.path == "facts.carryover"

    def test_wrong_year(self, framework, example_data):
        """A year outside 2000–2100 is refused at "year"."""
        example_data["year"] = 22
        assert refused(example_data, framework).location.path == "year"

    def test_text_type(self, framework, example_data):
        """A text that is a list is refused at texts.<key>."""
        example_data["texts"]["problems"] = ["a", "b"]
        assert refused(example_data, framework).location.path == "texts.problems"

    def test_source_file(self, framework):
        """The source file name is kept for messages."""
        assert year_from_dict({}, framework, source="x.json").source == "x.json"


class TestYearToDict:
    def test_round_trip_model(self, framework, example_data):
        """year_from_dict(year_to_dict(year)) gives back the same facts, targets, entries, texts and projects."""
        year = year_from_dict(example_data, framework)
        again = year_from_dict(year_to_dict(year, framework), framework)
        assert again.facts == year.facts
        assert again.targets == year.targets
        assert again.entries == year.entries
        assert again.texts == year.texts
        assert again.projects == year.projects
        assert (again.department, again.year, again.framework_id) == (year.department, year.year, year.framework_id)

    def test_round_trip_dict(self, framework, example_data):
        """The written dict equals the example (numbers compare equal; format and framework are stated)."""
        out = year_to_dict(year_from_dict(example_data, framework), framework)
        assert out["format"] == FORMAT
        for key in ("facts", "targets", "indicators", "texts", "projects", "department", "year", "framework"):
            assert out[key] == example_data[key], key

    def test_json_serialisable(self, framework, example_data):
        """The dict can be written as JSON text and read back to the same score."""
        year = year_from_dict(example_data, framework)
        text = json.dumps(year_to_dict(year, framework), ensure_ascii=False)
        again = year_from_dict(json.loads(text), framework)
        assert score_year(framework, again).total == Decimal("99.15")

    def test_amounts_exact(self, framework, example_data):
        """Amounts keep their decimals through the round trip (315.59 stays 315.59)."""
        year = year_from_dict(example_data, framework)
        out = year_to_dict(year, framework)
        assert out["facts"]["expenditure_actual"] == 315.59
        assert out["facts"]["three_public_budget"] == 18000
        assert isinstance(out["facts"]["three_public_budget"], int)
        assert out["facts"]["new_projects"] == 0


class TestTargetChoices:
    """One rule for the choice columns of a 绩效目标 row, whether it comes from JSON or a workbook."""

    @pytest.mark.parametrize("column, value, expected", [
        ("kind", "产出", ""), ("kind", "成本", "类别应为 产出、效益 之一，收到“成本”"),
        ("direction", "≥", ""), ("direction", ">", "方向应为 ≥、≤、=、定性 之一，收到“>”"),
        ("result", "", ""), ("result", "完成", "定性完成情况应为 达成、部分达成、未达成 之一，收到“完成”")])
    def test_problem(self, column: str, value: str, expected: str) -> None:
        from xlperf.core.model import target_choice_problem

        assert target_choice_problem(column, value) == expected

    def test_the_json_form_names_the_path(self, framework, example_data) -> None:
        from xlperf.core.errors import InputError

        example_data["targets"][1]["kind"] = "成本"
        with pytest.raises(InputError, match="类别应为 产出、效益 之一") as caught:
            year_from_dict(example_data, framework)
        assert caught.value.location is not None and caught.value.location.path == "targets[1].kind"
