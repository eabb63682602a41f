"""The `xlperf` command end to end, in a subprocess, as users run it."""

from __future__ import annotations

import datetime
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from xlperf_testing import run_xlperf

SEED_SCORES = {
    "ZX01": 20, "ZX02": 20, "ZX03": 9.5, "BZ01": 3, "ZH01": 2, "ZH02": 2, "GK01": 2, "GK02": 2, "JX01": 5,
    "JX02": 3, "JX03": 7, "CG01": 2, "CG02": 1, "CG03": 2, "CG04": 2, "CG05": 1, "CG06": 0.65, "ZC01": 2,
    "ZC02": 1, "ZC03": 1, "ZC04": 2, "ZC05": 2, "ZC06": 2, "CB01": 2, "CB02": 2, "QT01": 1,
}


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text


class TestDemo:
    def test_demo_builds_scores_and_checks_the_example(self, tmp_path: Path) -> None:
        """`xlperf demo` writes the example workbook, prints 99.15 and 优, and explains the example's two
        warnings (the published report states two rates differently in two places) without failing."""
        result = run_xlperf("demo", "-o", str(tmp_path / "out"))
        assert result.returncode == 0, result.stderr
        assert "99.15" in result.stdout and "优" in result.stdout
        assert "W303" in result.stdout and "其中错误 0 条" in result.stdout and "原报告本身" in result.stdout
        (workbook,) = (tmp_path / "out").glob("*.xlsx")
        assert "广州市白云区科学技术协会" in workbook.name

    def test_demo_twice_refuses_to_overwrite_without_force(self, tmp_path: Path) -> None:
        """A second demo into the same folder names the files that exist, changes none of them, and
        overwrites them only with --force (the clerk may have typed into the example workbook)."""
        assert run_xlperf("demo", "-o", str(tmp_path)).returncode == 0
        (workbook,) = tmp_path.glob("*.xlsx")
        workbook.write_bytes(b"edited by the clerk")
        again = run_xlperf("demo", "-o", str(tmp_path))
        assert again.returncode == 2 and again.stdout == ""
        assert "已有" in again.stderr and workbook.name in again.stderr and "--force" in again.stderr
        assert len(again.stderr.strip().splitlines()) == 1
        assert workbook.read_bytes() == b"edited by the clerk"
        forced = run_xlperf("demo", "-o", str(tmp_path), "--force")
        assert forced.returncode == 0, forced.stderr
        assert workbook.read_bytes().startswith(b"PK")

    def test_demo_into_a_file_says_it_is_not_a_folder(self, tmp_path: Path) -> None:
        target = tmp_path / "notes.txt"
        target.write_text("x", encoding="utf-8")
        result = run_xlperf("demo", "-o", str(target))
        assert result.returncode == 2 and "不是文件夹" in result.stderr
        assert target.read_text(encoding="utf-8") == "x"


class TestBuildWorkbook:
    def test_outside_a_checkout_it_writes_here_and_says_where(self, tmp_path: Path) -> None:
        """In a folder that is not an xlperf checkout, no workbook/ folder appears: 绩效自评.xlsm is written
        into the current folder and the full path is printed."""
        result = run_xlperf("build-workbook", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert not (tmp_path / "workbook").exists()
        written = tmp_path / "绩效自评.xlsm"
        assert written.is_file() and str(written) in result.stdout

    def test_outside_a_checkout_an_existing_workbook_is_kept_without_force(self, tmp_path: Path) -> None:
        """There the .xlsm may be a clerk's filled-in copy: refused without --force, replaced with it."""
        mine = tmp_path / "绩效自评.xlsm"
        mine.write_bytes(b"filled in")
        refused = run_xlperf("build-workbook", cwd=tmp_path)
        assert refused.returncode == 2 and "已存在" in refused.stderr and mine.read_bytes() == b"filled in"
        assert run_xlperf("build-workbook", "--force", cwd=tmp_path).returncode == 0
        assert mine.read_bytes().startswith(b"PK")

    def test_in_a_checkout_it_regenerates_the_committed_workbook(self, tmp_path: Path) -> None:
        """In the repository (pyproject.toml of xlperf, a workbook/ folder) the default is the committed file."""
        shutil.copy(Path(__file__).parents[2] / "pyproject.toml", tmp_path / "pyproject.toml")
        (tmp_path / "workbook").mkdir()
        (tmp_path / "workbook" / "绩效自评.xlsm").write_bytes(b"stale")
        result = run_xlperf("build-workbook", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "workbook" / "绩效自评.xlsm").read_bytes().startswith(b"PK")
        assert not (tmp_path / "绩效自评.xlsm").exists()


class TestScore:
    def test_json_output_matches_every_seed_score(self, example_workbook: Path) -> None:
        """`score --json` gives 99.15, 优 and each indicator's score as the 2022 report states it."""
        result = run_xlperf("score", str(example_workbook), "--json")
        assert result.returncode == 0, result.stderr
        data = json.loads(result.stdout)
        assert data["framework"] == "gz-baiyun-2022"
        assert data["total"] == 99.15 and data["grade"] == "优"
        assert {i["code"]: i["score"] for i in data["indicators"]} == SEED_SCORES
        assert set(data["indicators"][0]) >= {"code", "name", "category", "weight", "score", "rule"}
        assert sum(i["weight"] for i in data["indicators"]) == 100
        rules = {i["code"]: i["rule"] for i in data["indicators"]}
        assert "0.27%" in rules["ZH01"] and "≤10%" in rules["ZH01"]
        assert "65%" in rules["CG06"] and "-32%" in rules["CB01"]

    def test_table_output(self, example_workbook: Path) -> None:
        """The readable table names the total and the grade."""
        result = run_xlperf("score", str(example_workbook))
        assert result.returncode == 0
        assert "99.15" in result.stdout and "等级" in result.stdout

    def test_json_form_scores_the_same(self, tmp_path: Path, example_workbook: Path) -> None:
        """Exporting to JSON and scoring the JSON gives the same result as the workbook."""
        data = tmp_path / "data.json"
        assert run_xlperf("export", str(example_workbook), "-o", str(data)).returncode == 0
        from_json = json.loads(run_xlperf("score", str(data), "--json").stdout)
        from_xlsx = json.loads(run_xlperf("score", str(example_workbook), "--json").stdout)

        def scores_only(data: dict) -> dict:  # the JSON form has no 评分表 of its own to show scores
            data.pop("sheet_total")
            for row in data["indicators"]:
                row.pop("sheet_score")
            return data

        assert from_json["sheet_total"] is None and from_xlsx["sheet_total"] == from_xlsx["total"]
        assert scores_only(from_json) == scores_only(from_xlsx)

    def test_scores_are_recomputed_not_read(self, tmp_path: Path, example_workbook: Path) -> None:
        """A tampered 自评得分 cell changes nothing: scores come from the inputs."""
        tampered = tmp_path / "tampered.xlsx"
        wb = openpyxl.load_workbook(example_workbook)
        sheet, cell = next(iter(wb.defined_names["XP_I_CG06_SCORE"].destinations))
        wb[sheet][cell.replace("$", "")] = 1
        total_sheet, total_cell = next(iter(wb.defined_names["XP_TOTAL"].destinations))
        wb[total_sheet][total_cell.replace("$", "")] = 100
        wb.save(tampered)
        data = json.loads(run_xlperf("score", str(tampered), "--json").stdout)
        assert data["total"] == 99.15

    def test_framework_override(self, tmp_path: Path, example_workbook: Path) -> None:
        """--framework points any command at the user's own framework file."""
        from importlib import resources

        text = (resources.files("xlperf") / "frameworks" / "gz-baiyun-2022.toml").read_text(encoding="utf-8")
        mine = tmp_path / "mine.toml"
        mine.write_text(text.replace('id = "gz-baiyun-2022"', 'id = "my-district-2023"'), encoding="utf-8")
        data = json.loads(run_xlperf("score", str(example_workbook), "--framework", str(mine), "--json").stdout)
        assert data["framework"] == "my-district-2023" and data["total"] == 99.15


class TestCheck:
    def test_example_exits_zero_with_its_two_inconsistencies(self, example_workbook: Path) -> None:
        """The example has no 错误; its only findings are the published report's own 95%-vs-98% statements (W303),
        kept on purpose (examples/baiyun-kexie-2022/README.md)."""
        result = run_xlperf("check", str(example_workbook), "--json")
        assert result.returncode == 0
        findings = json.loads(result.stdout)["findings"]
        assert [(f["id"], f["location"].split("!")[0]) for f in findings] == [("W303", "项目支出")] * 2
        assert "98%" in findings[0]["message"] and "95%" in findings[0]["message"]

    def test_errors_exit_one_with_sheet_and_cell(self, tmp_path: Path, example_workbook: Path) -> None:
        """A deduction without a reason is an 错误 located at the reason cell; exit status 1."""
        broken = tmp_path / "broken.xlsx"
        wb = openpyxl.load_workbook(example_workbook)
        for name, value in (("XP_I_GK01_VALUE", "部分"), ("XP_I_GK01_REASON", "无")):
            sheet, cell = next(iter(wb.defined_names[name].destinations))
            wb[sheet][cell.replace("$", "")] = value
        wb.save(broken)
        result = run_xlperf("check", str(broken), "--json")
        assert result.returncode == 1
        findings = json.loads(result.stdout)["findings"]
        reason_sheet, reason_cell = next(iter(wb.defined_names["XP_I_GK01_REASON"].destinations))
        assert {"id": "E101", "location": f"{reason_sheet}!{reason_cell.replace('$', '')}"}.items() <= findings[0].items()
        table = run_xlperf("check", str(broken))
        assert table.returncode == 1 and "E101" in table.stdout


    def test_every_bad_cell_is_listed_at_once(self, tmp_path: Path, example_workbook: Path) -> None:
        """Text in two number cells gives two E002 findings with their cells, not one abort."""
        broken = tmp_path / "two.xlsx"
        wb = openpyxl.load_workbook(example_workbook)
        cells = []
        for name, value in (("XP_F_carryover", "三百"), ("XP_F_public_budget", "25万元"),
                            ("XP_I_ZH02_VALUE", datetime.datetime(2022, 3, 1))):
            sheet, cell = next(iter(wb.defined_names[name].destinations))
            wb[sheet][cell.replace("$", "")] = value
            cells.append(f"{sheet}!{cell.replace('$', '')}")
        wb.save(broken)
        result = run_xlperf("check", str(broken), "--json")
        assert result.returncode == 1
        findings = json.loads(result.stdout)["findings"]
        assert [f["location"] for f in findings if f["id"] == "E002"] == cells
        assert not [f for f in findings if f["id"] == "E001"]  # the same cells are not reported twice


class TestNewAndExport:
    def test_new_empty_workbook_scores_incomplete_without_traceback(self, tmp_path: Path) -> None:
        """A blank workbook reads fine; check lists what is missing, with cells, and exits 1."""
        path = tmp_path / "blank.xlsx"
        assert run_xlperf("new", "-o", str(path)).returncode == 0
        result = run_xlperf("check", str(path), "--json")
        assert result.returncode == 1
        findings = json.loads(result.stdout)["findings"]
        assert all(f["location"] for f in findings)
        assert any(f["id"] == "E204" and f["location"].startswith("收支情况!") for f in findings)
        assert not any(f["id"] == "E001" and f["location"].startswith("收支情况!") for f in findings)  # listed once

    def test_blank_workbook_leads_with_where_to_start_and_groups_by_sheet(self, tmp_path: Path) -> None:
        """A workbook nobody has filled in yet: the first line says so and where to start; then one table
        per sheet in the workbook's order, each kind of finding folded into one row."""
        path = tmp_path / "blank.xlsx"
        assert run_xlperf("new", "-o", str(path)).returncode == 0
        result = run_xlperf("check", str(path))
        assert result.returncode == 1
        lines = result.stdout.splitlines()
        assert lines[0].startswith("这个工作簿还没有填写") and "基本信息" in lines[0]
        titles = [line.split("：")[0] for line in lines if "条" in line and "：" in line and "│" not in line
                  and not line.startswith(("这个", "共"))]
        assert titles == ["基本信息", "收支情况", "绩效目标", "评分表", "问题与措施"]
        rows = [line for line in lines if line.startswith("│ ") and "编号" not in line and line[2] in "EWI"]
        assert len(rows) < 15  # not the 48 findings, one by one
        assert any("等 21 处" in row for row in rows)
        assert lines[-1].startswith("共 48 条")
        data = json.loads(run_xlperf("check", str(path), "--json").stdout)
        assert data["blank"] is True and len(data["findings"]) == 48  # --json keeps every finding

    def test_a_filled_workbook_is_not_called_blank(self, example_workbook: Path) -> None:
        result = run_xlperf("check", str(example_workbook))
        assert "还没有填写" not in result.stdout and "填报检查结果（按工作表）" in result.stdout
        assert json.loads(run_xlperf("check", str(example_workbook), "--json").stdout)["blank"] is False

    def test_new_from_json_round_trips(self, tmp_path: Path, example_workbook: Path) -> None:
        """export → new --from → export gives the same JSON."""
        first, second = tmp_path / "a.json", tmp_path / "b.json"
        assert run_xlperf("export", str(example_workbook), "-o", str(first)).returncode == 0
        rebuilt = tmp_path / "rebuilt.xlsx"
        assert run_xlperf("new", "-o", str(rebuilt), "--from", str(first)).returncode == 0
        assert run_xlperf("export", str(rebuilt), "-o", str(second)).returncode == 0
        assert json.loads(first.read_text("utf-8")) == json.loads(second.read_text("utf-8"))

    def test_existing_output_is_not_overwritten_without_force(self, tmp_path: Path) -> None:
        """new refuses to replace a file unless --force is given, and leaves it untouched."""
        path = tmp_path / "keep.xlsx"
        path.write_bytes(b"precious")
        result = run_xlperf("new", "-o", str(path))
        assert result.returncode == 2 and "--force" in result.stderr
        assert path.read_bytes() == b"precious"
        assert run_xlperf("new", "-o", str(path), "--force").returncode == 0

    def test_export_refuses_to_drop_unreadable_cells(self, tmp_path: Path, example_workbook: Path) -> None:
        """Export of a workbook with a bad cell fails with exit 2 and writes no JSON at all."""
        broken = tmp_path / "bad.xlsx"
        wb = openpyxl.load_workbook(example_workbook)
        sheet, cell = next(iter(wb.defined_names["XP_F_carryover"].destinations))
        wb[sheet][cell.replace("$", "")] = "三百"
        wb.save(broken)
        out = tmp_path / "out.json"
        result = run_xlperf("export", str(broken), "-o", str(out))
        assert result.returncode == 2 and "xlperf check" in result.stderr
        assert not out.exists() and not list(tmp_path.glob(".xlperf-*"))

    def test_commands_leave_the_input_unchanged(self, tmp_path: Path, example_workbook: Path) -> None:
        """score, check and export never modify the workbook they read."""
        copy = tmp_path / "in.xlsx"
        shutil.copy(example_workbook, copy)
        before = copy.read_bytes()
        for args in (("score", str(copy)), ("check", str(copy)), ("export", str(copy), "-o", str(tmp_path / "o.json"))):
            done = run_xlperf(*args)
            assert done.returncode == 0, (args, done.stderr)  # the command really read it
        assert copy.read_bytes() == before and (tmp_path / "o.json").exists()


class TestFrameworks:
    def test_lists_shipped(self) -> None:
        """`xlperf frameworks` lists gz-baiyun-2022."""
        result = run_xlperf("frameworks")
        assert result.returncode == 0 and "gz-baiyun-2022" in result.stdout

    def test_shows_rules(self) -> None:
        """`xlperf frameworks ID` shows each indicator's rule in words."""
        result = run_xlperf("frameworks", "gz-baiyun-2022")
        assert result.returncode == 0 and "结转结余率" in result.stdout

    def test_refuses_weights_not_summing_to_100(self, tmp_path: Path, example_workbook: Path) -> None:
        """A framework whose weights add to 99 is refused with a one-line message that says so."""
        from importlib import resources

        text = (resources.files("xlperf") / "frameworks" / "gz-baiyun-2022.toml").read_text(encoding="utf-8")
        bad = tmp_path / "bad.toml"
        bad.write_text(text.replace('code = "QT01"\nname', 'code = "QT01"\nname', 1).replace(
            "points = 1\nmethod = \"choice\"\nname_editable", "points = 0.5\nmethod = \"choice\"\nname_editable"),
            encoding="utf-8")
        result = run_xlperf("score", str(example_workbook), "--framework", str(bad))
        assert result.returncode == 2
        assert "99.5" in result.stderr and "100" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


class TestErrors:
    @pytest.mark.parametrize("args", [("bogus",), ("score",), ("score", "a.xlsx", "b.xlsx"), ("new",)])
    def test_usage_errors_are_one_chinese_line(self, args: tuple[str, ...]) -> None:
        """Wrong usage exits 2 with one Chinese line and no traceback."""
        result = run_xlperf(*args)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "用法错误" in lines[0]

    @pytest.mark.parametrize("content, word", [(None, "找不到"), (b"not a zip", "zip"),
                                               (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "加密")])
    def test_unreadable_files_exit_two(self, tmp_path: Path, content: bytes | None, word: str) -> None:
        """A missing, non-zip or encrypted file gives one Chinese line and exit 2."""
        path = tmp_path / "x.xlsx"
        if content is not None:
            path.write_bytes(content)
        for command in ("score", "check", "export"):
            extra = ("-o", str(tmp_path / "o.json")) if command == "export" else ()
            result = run_xlperf(command, str(path), *extra)
            assert result.returncode == 2
            _no_traceback(result.stderr)
            assert word in result.stderr and len(result.stderr.strip().splitlines()) == 1


class TestMessages:
    @pytest.mark.parametrize("name", ["不存在.xlsx", "不存在.json"])
    def test_a_missing_file_is_named_once(self, tmp_path: Path, name: str) -> None:
        result = run_xlperf("score", str(tmp_path / name))
        assert result.returncode == 2 and result.stderr.count(name) == 1, result.stderr

    def test_a_folder_given_as_a_workbook_is_named_once(self, tmp_path: Path) -> None:
        folder = tmp_path / "各单位.xlsx"
        folder.mkdir()
        result = run_xlperf("check", str(folder))
        assert result.returncode == 2 and result.stderr.count("各单位.xlsx") == 1 and "文件夹" in result.stderr


class TestChecksCatalogue:
    def test_docs_checks_md_is_current(self) -> None:
        """docs/checks.md is exactly what `xlperf checks --markdown` prints (regenerate it when checks change)."""
        result = run_xlperf("checks", "--markdown")
        assert result.returncode == 0
        committed = (Path(__file__).resolve().parents[2] / "docs" / "checks.md").read_text(encoding="utf-8")
        assert result.stdout == committed

    def test_ids_start_with_their_severity(self) -> None:
        """Every check id starts with E, W or I and the severity shown matches."""
        from xlperf.core.checks import CHECKS

        for check in CHECKS.values():
            assert check.id[0] in "EWI"
            assert check.severity == {"E": "错误", "W": "警告", "I": "提示"}[check.id[0]]


def _shipped_toml() -> str:
    from xlperf.core.frameworks import SHIPPED_DIR

    return (SHIPPED_DIR / "gz-baiyun-2022.toml").read_text(encoding="utf-8")


class TestFrameworkIdentity:
    def test_workbook_from_an_edited_copy_is_not_scored_with_shipped_rules(self, tmp_path: Path) -> None:
        """A workbook built from an edited copy that kept the shipped id is refused without --framework."""
        copy = tmp_path / "copy.toml"
        copy.write_text(_shipped_toml().replace("limit = 0.10, share = 1", "limit = 0.001, share = 1"), encoding="utf-8")
        data = tmp_path / "d.json"
        from xlperf._open import example_data

        data.write_text(json.dumps(example_data(), ensure_ascii=False), encoding="utf-8")
        book = tmp_path / "c.xlsx"
        assert run_xlperf("new", "-o", str(book), "--from", str(data), "--framework", str(copy)).returncode == 0
        refused = run_xlperf("score", str(book))
        assert refused.returncode == 2 and "--framework" in refused.stderr
        scored = json.loads(run_xlperf("score", str(book), "--framework", str(copy), "--json").stdout)
        assert {i["code"]: i["score"] for i in scored["indicators"]}["ZH01"] == 1

    def test_workbook_naming_an_unknown_framework_never_opens_a_path(self, tmp_path: Path,
                                                                      example_workbook: Path) -> None:
        """A framework cell holding a path is not followed: the user is asked for --framework."""
        book = tmp_path / "path.xlsx"
        wb = openpyxl.load_workbook(example_workbook)
        sheet, cell = next(iter(wb.defined_names["XP_FRAMEWORK"].destinations))
        secret = tmp_path / "secret.toml"
        secret.write_text(_shipped_toml(), encoding="utf-8")
        wb[sheet][cell.replace("$", "")] = str(secret)
        wb.save(book)
        result = run_xlperf("score", str(book))
        assert result.returncode == 2 and "不是内置框架" in result.stderr and "--framework" in result.stderr

    def test_framework_file_with_bom_is_read(self, tmp_path: Path, example_workbook: Path) -> None:
        """A framework saved by Windows Notepad (UTF-8 with BOM) loads."""
        bom = tmp_path / "bom.toml"
        bom.write_bytes(b"\xef\xbb\xbf" + _shipped_toml().encode("utf-8"))
        assert run_xlperf("score", str(example_workbook), "--framework", str(bom)).returncode == 0

    def test_framework_value_out_of_range_is_refused(self, tmp_path: Path, example_workbook: Path) -> None:
        """A percent typed where a fraction belongs (execution_rate_below = 90) is refused at its place."""
        bad = tmp_path / "pct.toml"
        bad.write_text(_shipped_toml().replace("execution_rate_below = 0.9", "execution_rate_below = 90"), encoding="utf-8")
        result = run_xlperf("score", str(example_workbook), "--framework", str(bad))
        assert result.returncode == 2 and "explanations.execution_rate_below" in result.stderr


class TestOutputs:
    def test_new_refuses_a_wrong_suffix(self, tmp_path: Path) -> None:
        """new -o x.json (or no suffix) is refused: the file would not open as what it claims to be."""
        for name in ("x.json", "noext"):
            result = run_xlperf("new", "-o", str(tmp_path / name))
            assert result.returncode == 2 and ".xlsx" in result.stderr
            assert not (tmp_path / name).exists()

    def test_export_never_overwrites_its_input(self, tmp_path: Path, example_workbook: Path) -> None:
        """export with -o naming the input workbook is refused, even with --force."""
        copy = tmp_path / "in.xlsx"
        shutil.copy(example_workbook, copy)
        before = copy.read_bytes()
        result = run_xlperf("export", str(copy), "-o", str(copy), "--force")
        assert result.returncode == 2 and copy.read_bytes() == before

    def test_output_into_a_directory_says_so(self, tmp_path: Path, example_workbook: Path) -> None:
        """-o naming an existing folder says it is a folder (not "已存在")."""
        result = run_xlperf("export", str(example_workbook), "-o", str(tmp_path))
        assert result.returncode == 2 and "文件夹" in result.stderr

    def test_outputs_get_normal_permissions(self, tmp_path: Path) -> None:
        """Files are created readable by others as the umask allows, not private like a temp file."""
        import os
        import stat

        path = tmp_path / "perm.xlsx"
        old = os.umask(0o022)
        try:
            assert run_xlperf("new", "-o", str(path)).returncode == 0
        finally:
            os.umask(old)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644

    def test_gbk_console_does_not_crash(self, tmp_path: Path, example_workbook: Path) -> None:
        """Output to a GBK console or redirect replaces what GBK lacks instead of failing."""
        import os
        import subprocess
        import sys

        env = {**os.environ, "PYTHONIOENCODING": "gbk"}
        for args in (("frameworks", "gz-baiyun-2022"), ("score", str(example_workbook))):
            result = subprocess.run([sys.executable, "-m", "xlperf", *args], capture_output=True, env=env, timeout=60)
            assert result.returncode == 0, result.stderr.decode("gbk", "replace")


class TestJsonInput:
    @pytest.mark.parametrize("content, word", [("[]", "顶层应为对象"), ("", "第 1 行"), ("{\"a\": ", "JSON"),
                                               ("\ufeff{}", "framework")])
    def test_bad_json_gives_one_chinese_line(self, tmp_path: Path, content: str, word: str) -> None:
        """An array, an empty file, broken JSON or a BOM-prefixed object: a clear line, exit 2."""
        path = tmp_path / "d.json"
        path.write_text(content, encoding="utf-8")
        result = run_xlperf("score", str(path))
        assert result.returncode == 2 and word in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr

    def test_gbk_encoded_json_is_explained(self, tmp_path: Path) -> None:
        """A JSON file saved in GBK is refused with a hint to save it as UTF-8."""
        path = tmp_path / "gbk.json"
        path.write_bytes('{"department": "白云区科协"}'.encode("gbk"))
        result = run_xlperf("score", str(path))
        assert result.returncode == 2 and "UTF-8" in result.stderr

    def test_json_errors_name_the_file(self, tmp_path: Path) -> None:
        """A wrong value in a JSON file names the file and the JSON path."""
        from xlperf._open import example_data

        data = example_data()
        data["indicators"]["GK01"]["value"] = True
        path = tmp_path / "bool.json"
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        result = run_xlperf("score", str(path))
        assert result.returncode == 2 and "bool.json" in result.stderr and "indicators.GK01.value" in result.stderr
