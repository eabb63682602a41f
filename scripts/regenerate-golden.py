"""Regenerate the generated files that tests compare byte for byte, after changing what they come from.

    python scripts/regenerate-golden.py

- src/xlperf/workbook/xlwings_udfs.bas: the VBA wrappers of xlperf.udfs, which the workbook embeds (after
  changing a UDF's name, arguments or decorators, or the pinned xlwings);
- workbook/绩效自评.xlsm: the committed macro workbook, as `xlperf build-workbook` writes it (after any
  change to the workbook build, the layout, the default framework, the VBA or the pinned XlsxWriter,
  pyOpenVBA or xlwings).

Review the diff of the .bas file before committing: it is what Excel will run.
"""

from __future__ import annotations

from pathlib import Path

from xlperf.cli import DEFAULT_MACRO_WORKBOOK
from xlperf.cli import main as xlperf
from xlperf._udf_wrappers import generate_udf_wrappers
from xlperf.workbook.vba import UDF_WRAPPERS_FILE

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = UDF_WRAPPERS_FILE


def main() -> int:
    GOLDEN.write_bytes(generate_udf_wrappers().encode("ascii"))
    print(f"已生成：{GOLDEN.relative_to(ROOT)}")
    return xlperf(["build-workbook", "-o", str(ROOT / DEFAULT_MACRO_WORKBOOK)])


if __name__ == "__main__":
    raise SystemExit(main())
