"""Varied, plausible department-years made from the shipped example, for the batch tests and benchmarks.

Each sample is the 2022 example in the JSON form with its own name, budget scale, execution rate,
answers, counts, target results and explanations, drawn from a seeded generator: the same seed gives
the same folder. Some samples carry what a bureau meets in real submissions: deductions without a
reason (E101, about one in five), a low execution rate, every self-judged indicator at full marks with no word of
explanation (R02).
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from ._open import example_data

UNITS = ("科学技术协会", "档案馆", "妇女联合会", "工商业联合会", "文化广电旅游体育局", "统计局", "司法局", "民政局",
         "人力资源和社会保障局", "退役军人事务局", "卫生健康局", "医疗保障局", "应急管理局", "市场监督管理局",
         "城市管理和综合执法局", "水务局", "农业农村局", "商务局", "审计局", "信访局", "政务服务数据管理局",
         "住房和城乡建设局", "交通运输局", "教育局", "残疾人联合会", "总工会", "共青团委员会", "地方志办公室",
         "机关事务管理局", "红十字会", "归国华侨联合会", "科学技术和工业信息化局", "发展和改革局", "财政局",
         "林业和园林局", "规划和自然资源分局", "生态环境分局", "公共资源交易中心", "融媒体中心", "图书馆")


def department_name(index: int) -> str:
    unit = UNITS[index % len(UNITS)]
    round_ = index // len(UNITS)
    return f"广州市白云区{unit}" + (f"（{round_ + 1}）" if round_ else "")


def sample_data(index: int, seed: int = 2022) -> dict[str, Any]:
    """The JSON form of sample `index`: deterministic for (index, seed)."""
    rng = random.Random(seed * 100_003 + index)
    data: dict[str, Any] = copy.deepcopy(example_data())
    data["department"] = department_name(index)
    _facts(data["facts"], rng)
    for code, entry in data["indicators"].items():
        _entry(code, entry, rng)
    for target in data["targets"]:
        if target.get("direction") != "定性" and target.get("actual") is not None and rng.random() < 0.15:
            target["actual"] = float(Decimal(str(target["actual"])) * Decimal("0.8"))  # a target missed
    _explain(data, rng)
    if rng.random() < 0.05:  # every self-judged indicator at full marks, not one word of explanation
        for entry in data["indicators"].values():
            entry["reason"] = ""
            if entry.get("value") in ("部分", "否"):
                entry["value"] = "是"
            elif isinstance(entry.get("value"), int):
                entry["value"] = 0
    return data


def _money(value: float) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.01")))


def _facts(facts: dict[str, Any], rng: random.Random) -> None:
    scale = rng.uniform(0.3, 20)
    rate = rng.uniform(0.55, 0.85) if rng.random() < 0.1 else rng.uniform(0.86, 1.0)
    basic_share = rng.uniform(0.6, 0.95)
    budget = _money(332.21 * scale)
    basic_budget = _money(budget * basic_share)
    actual = _money(budget * rate)
    basic_actual = min(_money(actual * basic_share * rng.uniform(0.98, 1.02)), basic_budget, actual)
    facts.update(income_budget=budget, income_actual=actual, expenditure_budget=budget, expenditure_actual=actual,
                 basic_budget=basic_budget, basic_actual=basic_actual,
                 project_budget=_money(budget - basic_budget), project_actual=_money(actual - basic_actual),
                 carryover=_money(budget * rng.uniform(0, 0.12)))
    for required, done in (("intents_required", "intents_on_time"), ("contracts_required", "contracts_on_time"),
                           ("filings_required", "filings_on_time"), ("new_projects", "new_projects_evaluated"),
                           ("disposal_income_required", "disposal_income_on_time")):
        count = rng.randint(0, 6)
        facts[required] = count
        facts[done] = count if rng.random() < 0.85 else rng.randint(0, count)


def _explain(data: dict[str, Any], rng: random.Random) -> None:
    """Most departments explain every deduction; about one in five forgets some (E101)."""
    from .core.engine import score_year
    from .core.frameworks import load_framework
    from .core.jsonform import year_from_dict

    fw = load_framework(data["framework"])
    careless = rng.random() < 0.2
    for result in score_year(fw, year_from_dict(data, fw)).results:
        entry = data["indicators"][result.code]
        if result.deduction and not entry.get("reason") and not (careless and rng.random() < 0.5):
            entry["reason"] = f"{result.name}扣 {result.deduction} 分：本年度部分工作未达到要求，已制定整改措施。"


def _entry(code: str, entry: dict[str, Any], rng: random.Random) -> None:
    value = entry.get("value")
    if isinstance(value, str):
        entry["value"] = rng.choices(("是", "部分", "否"), weights=(85, 12, 3))[0]
    elif isinstance(value, int):
        entry["value"] = rng.choices((0, 1, 2), weights=(85, 12, 3))[0]
    else:
        return
    if entry["value"] not in ("是", 0):
        entry["reason"] = ""  # explained, or not, once scored (_explain)


def sample_years(count: int, seed: int = 2022) -> Iterator[dict[str, Any]]:
    for index in range(count):
        yield sample_data(index, seed)


def write_samples(folder: Path, count: int, seed: int = 2022) -> list[Path]:
    """Write `count` sample workbooks (.xlsx) into `folder`; returns their paths."""
    from .core.frameworks import load_framework
    from .core.jsonform import year_from_dict
    from .workbook.build import build_workbook

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, data in enumerate(sample_years(count, seed)):
        fw = load_framework(data["framework"])
        year = year_from_dict(data, fw, source=f"sample-{index}")
        paths.append(build_workbook(folder / f"{index + 1:04d}-{data['department']}.xlsx", fw, year, overwrite=True))
    return paths


#: for large_data: the places and activities its generated targets are named after
_TOWNS = ("京溪", "同德", "黄石", "新市", "棠景", "三元里", "松洲", "景泰", "均禾", "嘉禾", "鹤龙", "永平", "石门", "金沙",
          "云城", "石井", "同和", "龙归", "人和", "江高", "太和", "钟落潭", "大源")
_ACTIVITIES = (("科普讲座", "场"), ("科普知识竞赛", "次"), ("夏令营活动", "次"), ("科普宣传活动", "场"), ("科普图书室", "个"),
               ("科普志愿服务", "人次"), ("科普课程进校园", "所"))
_VERBS = ("组织开展", "举办", "组织举办", "开展", "建设")


def large_data(targets: int, projects: int) -> dict[str, Any]:
    """The example grown to `targets` 绩效目标 and `projects` projects in all (for oversized-input tests and
    benchmarks; never fewer rows than the example's): each added target is an activity in a 镇街, each
    added project's texts state the numbers of two added targets (one as "名称共 3场", one as "3场名称"),
    every seventh differently from the table (W303)."""
    data: dict[str, Any] = copy.deepcopy(example_data())
    added: list[dict[str, Any]] = []
    for i in range(max(targets - len(data["targets"]), 0)):
        town, (activity, unit) = _TOWNS[i % len(_TOWNS)], _ACTIVITIES[i % len(_ACTIVITIES)]
        number = i % 9 + 1
        added.append({"kind": "产出", "name": f"{_VERBS[i % len(_VERBS)]}{town}第{i // len(_TOWNS) + 1}期{activity}",
                      "direction": "≥", "target": number, "actual": number, "unit": unit, "weight": None,
                      "result": "", "note": ""})
    data["targets"] += added
    grown = []
    for j in range(max(projects - len(data["projects"]), 0)):
        one, two = (added[j % len(added)], added[(j + 1) % len(added)]) if added else ({}, {})
        said = one.get("actual", 0) + (j % 7 == 0)
        core = two.get("name", "").removeprefix(_VERBS[(j + 1) % len(_VERBS)])
        grown.append({"name": f"第{j + 1}号科普项目", "budget": None, "actual": None,
                      "outputs": f"本年{one.get('name', '科普活动')}共 {said}{one.get('unit', '次')}，群众反映良好。",
                      "benefits": f"本年举办 {two.get('actual', 1)}{two.get('unit', '次')}{core}，"
                                  "公众对科普工作满意度达 95%。",
                      "satisfaction": "服务对象满意度较高。"})
    data["projects"] += grown
    return data
