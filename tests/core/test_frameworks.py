"""Loading and validating indicator frameworks; every refusal names its place in the file."""

from __future__ import annotations

from decimal import Decimal

import pytest

from xlperf.core.errors import FrameworkError
from xlperf.core.frameworks import load_framework, parse_framework, shipped_frameworks
from xlperf.core.methods import METHODS


def index_of(data: dict, code: str) -> int:
    return next(i for i, row in enumerate(data["indicators"]) if row["code"] == code)


def refused(data: dict) -> FrameworkError:
    with pytest.raises(FrameworkError) as info:
        parse_framework(data)
    return info.value


class TestShippedFrameworks:
    def test_listed(self):
        """The 2022 白云区 framework is shipped."""
        assert "gz-baiyun-2022" in shipped_frameworks()


class TestLoadFramework:
    def test_shipped(self, framework):
        """The shipped framework loads with 26 indicators whose points sum to 100."""
        assert framework.id == "gz-baiyun-2022"
        assert framework.year == 2022
        assert len(framework.indicators) == 26
        assert sum(ind.points for ind in framework.indicators) == Decimal(100)
        assert framework.scoring.total_points == 100
        assert [g.name for g in framework.grades] == ["优", "良", "中", "差"]

    def test_indicator_metadata(self, framework):
        """Every indicator says where its rule comes from, states its criteria and uses a known method."""
        for ind in framework.indicators:
            assert ind.source in ("seed", "default", "seed+default")
            assert ind.criteria.strip(), ind.code
            assert ind.method in METHODS
            assert ind.category in {c.name for c in framework.categories}

    def test_facts_referenced_exist(self, framework):
        """Every fact a rule uses is defined, with a unit."""
        keys = {f.key for f in framework.facts}
        for ind in framework.indicators:
            assert set(ind.facts()) <= keys
        assert framework.fact("expenditure_budget").unit == "万元"

    def test_indicator_lookup(self, framework):
        """Indicators are found by code, lowercase code or Chinese name; an unknown one is a KeyError."""
        assert framework.indicator("zx03").code == "ZX03"
        assert framework.indicator("结转结余率").code == "ZH01"
        with pytest.raises(KeyError):
            framework.indicator("XX99")

    def test_by_path(self, tmp_path, _framework_text):
        """A framework file given by path loads and remembers its file name."""
        path = tmp_path / "copy.toml"
        path.write_text(_framework_text, encoding="utf-8")
        loaded = load_framework(path)
        assert loaded.path == "copy.toml"
        assert len(loaded.indicators) == 26
        assert load_framework(str(path)).id == "gz-baiyun-2022"

    def test_missing_path(self, tmp_path):
        """A missing .toml file is a FrameworkError."""
        with pytest.raises(FrameworkError) as info:
            load_framework(tmp_path / "missing.toml")
        assert "missing.toml" in str(info.value)

    def test_invalid_toml(self, tmp_path):
        """A file that is not TOML is a FrameworkError located at the file."""
        path = tmp_path / "broken.toml"
        path.write_text("[framework\nid = ", encoding="utf-8")
        with pytest.raises(FrameworkError) as info:
            load_framework(path)
        assert info.value.location.file == "broken.toml"
        assert "TOML" in str(info.value)

    def test_not_utf8(self, tmp_path):
        """A file in another encoding is a FrameworkError."""
        path = tmp_path / "gbk.toml"
        path.write_bytes("[framework]\ntitle = \"评分表\"\n".encode("gbk"))
        with pytest.raises(FrameworkError):
            load_framework(path)

    def test_unknown_id(self):
        """An unknown id is refused, naming the shipped frameworks."""
        with pytest.raises(FrameworkError) as info:
            load_framework("nope")
        assert "nope" in str(info.value)
        assert "gz-baiyun-2022" in str(info.value)

    def test_invalid_file_location(self, tmp_path, _framework_text):
        """A framework error from a file carries both the file name and the path inside it."""
        path = tmp_path / "dup.toml"
        path.write_text(_framework_text.replace('code = "ZX02"', 'code = "ZX01"'), encoding="utf-8")
        with pytest.raises(FrameworkError) as info:
            load_framework(path)
        assert info.value.location.file == "dup.toml"
        assert info.value.location.path == "indicators[1].code"
        assert str(info.value).startswith("dup.toml：indicators[1].code")


class TestParseFramework:
    def test_roundtrip(self, framework_data, framework):
        """The parsed TOML dict gives the same indicators as load_framework."""
        parsed = parse_framework(framework_data)
        assert [i.code for i in parsed.indicators] == [i.code for i in framework.indicators]

    def test_points_sum(self, framework_data):
        """Points summing to 99 are refused at "indicators", naming 99 and 100."""
        framework_data["indicators"][index_of(framework_data, "ZX03")]["points"] = 9
        exc = refused(framework_data)
        assert exc.location.path == "indicators"
        assert "99" in exc.message and "100" in exc.message

    def test_duplicate_code(self, framework_data):
        """A code used twice is refused at the second one."""
        i = index_of(framework_data, "ZX02")
        framework_data["indicators"][i]["code"] = "ZX01"
        assert refused(framework_data).location.path == f"indicators[{i}].code"

    def test_duplicate_code_case(self, framework_data):
        """Codes are compared case-insensitively."""
        i = index_of(framework_data, "ZX02")
        framework_data["indicators"][i]["code"] = "zx01"
        assert refused(framework_data).location.path == f"indicators[{i}].code"

    def test_unknown_method(self, framework_data):
        """An unknown method is refused at indicators[i].method, listing the known ones."""
        i = index_of(framework_data, "ZX03")
        framework_data["indicators"][i]["method"] = "ratoi"
        exc = refused(framework_data)
        assert exc.location.path == f"indicators[{i}].method"
        assert "ratio" in exc.fix

    def test_missing_param(self, framework_data):
        """A missing required parameter is refused at its path."""
        i = index_of(framework_data, "ZX03")
        del framework_data["indicators"][i]["params"]["denominator"]
        assert refused(framework_data).location.path == f"indicators[{i}].params.denominator"

    def test_misspelt_param(self, framework_data):
        """A misspelt parameter key is refused at the misspelt key."""
        i = index_of(framework_data, "ZX03")
        params = framework_data["indicators"][i]["params"]
        params["denominatr"] = params.pop("denominator")
        exc = refused(framework_data)
        assert exc.location.path == f"indicators[{i}].params.denominatr"
        assert "denominator" in exc.message

    def test_wrong_param_type(self, framework_data):
        """A parameter of the wrong type is refused at its path."""
        i = index_of(framework_data, "ZH02")
        framework_data["indicators"][i]["params"]["per_item"] = "0.5"
        assert refused(framework_data).location.path == f"indicators[{i}].params.per_item"

    def test_wrong_literal(self, framework_data):
        """A value outside a fixed list is refused at its path."""
        i = index_of(framework_data, "ZH01")
        framework_data["indicators"][i]["params"]["better"] = "smaller"
        assert refused(framework_data).location.path == f"indicators[{i}].params.better"

    def test_steps_out_of_order(self, framework_data):
        """Threshold steps not in increasing order (better = lower) are refused at the params."""
        i = index_of(framework_data, "ZH01")
        framework_data["indicators"][i]["params"]["steps"].reverse()
        exc = refused(framework_data)
        assert exc.location.path.startswith(f"indicators[{i}].params")

    def test_share_above_one(self, framework_data):
        """A share above 1 is refused at the params."""
        i = index_of(framework_data, "ZH01")
        framework_data["indicators"][i]["params"]["steps"][0]["share"] = 1.5
        exc = refused(framework_data)
        assert exc.location.path.startswith(f"indicators[{i}].params")
        assert "1.5" in exc.message

    def test_step_missing_limit(self, framework_data):
        """A step without its limit is refused at that step."""
        i = index_of(framework_data, "ZH01")
        del framework_data["indicators"][i]["params"]["steps"][1]["limit"]
        assert refused(framework_data).location.path == f"indicators[{i}].params.steps[1].limit"

    def test_undefined_fact(self, framework_data):
        """A params reference to an undefined fact is refused at the params."""
        i = index_of(framework_data, "ZX03")
        framework_data["indicators"][i]["params"]["denominator"] = "budget_total"
        exc = refused(framework_data)
        assert exc.location.path == f"indicators[{i}].params"
        assert "budget_total" in exc.message

    def test_unknown_category(self, framework_data):
        """A category not listed in [[categories]] is refused at indicators[i].category."""
        i = index_of(framework_data, "GK01")
        framework_data["indicators"][i]["category"] = "不存在"
        assert refused(framework_data).location.path == f"indicators[{i}].category"

    def test_missing_criteria(self, framework_data):
        """An indicator without criteria is refused at the missing key."""
        i = index_of(framework_data, "GK01")
        del framework_data["indicators"][i]["criteria"]
        assert refused(framework_data).location.path == f"indicators[{i}].criteria"

    def test_unknown_source(self, framework_data):
        """A source other than seed/default/seed+default is refused."""
        i = index_of(framework_data, "GK01")
        framework_data["indicators"][i]["source"] = "guess"
        assert refused(framework_data).location.path == f"indicators[{i}].source"

    def test_grades_out_of_order(self, framework_data):
        """Grades not from high to low are refused at "grades"."""
        grades = framework_data["grades"]
        grades[0], grades[1] = grades[1], grades[0]
        assert refused(framework_data).location.path == "grades"

    def test_lowest_grade_not_zero(self, framework_data):
        """The lowest grade must start at 0, refused at its min."""
        framework_data["grades"][-1]["min"] = 10
        last = len(framework_data["grades"]) - 1
        assert refused(framework_data).location.path == f"grades[{last}].min"

    def test_not_applicable_policy(self, framework_data):
        """scoring.not_applicable accepts only "full" or "rescale"."""
        framework_data["scoring"]["not_applicable"] = "drop"
        assert refused(framework_data).location.path == "scoring.not_applicable"

    def test_caps_out_of_order(self, framework_data):
        """total_caps must go from the highest below down."""
        framework_data["scoring"]["total_caps"] = [{"below": 0.7, "cap": 79}, {"below": 0.8, "cap": 89}]
        assert refused(framework_data).location.path == "scoring.total_caps"

    def test_missing_framework_table(self, framework_data):
        """A document without [framework] is refused at "framework"."""
        del framework_data["framework"]
        assert refused(framework_data).location.path == "framework"

    def test_unknown_fact_field(self, framework_data):
        """A misspelt key in a fact is refused at that key."""
        framework_data["facts"][0]["uint"] = "万元"
        assert refused(framework_data).location.path == "facts[0].uint"

    def test_duplicate_fact(self, framework_data):
        """A fact key defined twice is refused at the second one."""
        framework_data["facts"][1]["key"] = framework_data["facts"][0]["key"]
        assert refused(framework_data).location.path == "facts[1].key"

    def test_check_rule_undefined_fact(self, framework_data):
        """A [checks] sum rule naming an undefined fact is refused at that rule."""
        framework_data["checks"]["sums"][1]["parts"].append("other_actual")
        exc = refused(framework_data)
        assert exc.location.path == "checks.sums[1]"
        assert "other_actual" in exc.message

    def test_error_str_names_place(self, framework_data):
        """str() of the error starts with the place."""
        framework_data["grades"][-1]["min"] = 10
        assert str(refused(framework_data)).startswith("grades[3].min")
