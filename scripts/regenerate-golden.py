"""Regenerate the generated files that tests compare byte for byte, after changing what they come from.

    python scripts/regenerate-golden.py

- tests/workbook/golden/xlwings_udfs.bas: the VBA wrappers of xlperf.udfs (after changing a UDF's name,
  arguments or decorators, or the pinned xlwings);
- workbook/绩效自评.xlsm: the committed macro workbook, as `xlperf build-workbook` writes it (after any
  change to the workbook build, the layout, the default framework, the VBA or the pinned XlsxWriter,
  pyOpenVBA or xlwings).

Review the diff of the .bas file before committing: it is what Excel will run.
"""

from __future__ import annotations

from pathlib import Path

from xlperf.cli import DEFAULT_MACRO_WORKBOOK
from xlperf.cli import main as xlperf
from xlperf.workbook.vba import udf_wrappers_vba

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "workbook" / "golden" / "xlwings_udfs.bas"


def main() -> int:
    GOLDEN.write_bytes(udf_wrappers_vba().encode("ascii"))
    print(f"已生成：{GOLDEN.relative_to(ROOT)}")
    return xlperf(["build-workbook", "-o", str(ROOT / DEFAULT_MACRO_WORKBOOK)])


if __name__ == "__main__":
    raise SystemExit(main())
