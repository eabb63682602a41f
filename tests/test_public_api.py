"""The promises of the package's top level."""

from __future__ import annotations

import subprocess
import sys

import xlperf


class TestPublicApi:
    def test_all_is_complete_and_importable(self) -> None:
        """Every name in __all__ exists, and every public top-level function or class is listed."""
        for name in xlperf.__all__:
            assert hasattr(xlperf, name), name
        public = {n for n, v in vars(xlperf).items()
                  if not n.startswith("_") and callable(v) and getattr(v, "__module__", "").startswith("xlperf")}
        assert public <= set(xlperf.__all__)
        assert set(xlperf._LAZY) <= set(xlperf.__all__)

    def test_version_matches_metadata(self) -> None:
        """__version__ is the installed distribution's version."""
        from importlib.metadata import version

        assert xlperf.__version__ == version("xlperf")


class TestImportCost:
    HEAVY = ("openpyxl", "xlsxwriter", "pandas", "docxtpl", "matplotlib", "xlwings", "rich", "numpy")

    def _loaded(self, code: str) -> set[str]:
        out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
                             capture_output=True, text=True, check=True).stdout.split()
        return {m.split(".")[0] for m in out}

    def test_core_imports_nothing_heavy(self) -> None:
        """`import xlperf` and `xlperf.core` load no Excel, Word, table or dataframe library."""
        loaded = self._loaded("import xlperf, xlperf.core.engine, xlperf.core.checks")
        assert not loaded & set(self.HEAVY)

    def test_help_imports_nothing_heavy(self) -> None:
        """`xlperf --help` starts without pandas, openpyxl, docxtpl or matplotlib."""
        code = "import sys\nfrom xlperf.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
        loaded = self._loaded(code)
        assert not loaded & set(self.HEAVY)

    def test_score_imports_nothing_heavy(self, example_workbook: object) -> None:
        """`xlperf score` on a workbook reads it with calamine: no openpyxl, XlsxWriter, pandas or Word
        library, and neither the checks nor the framework's TOML parser once the framework is cached."""
        code = ("import contextlib, io\nfrom xlperf.cli import main\n"
                f"with contextlib.redirect_stdout(io.StringIO()):\n    main(['score', {str(example_workbook)!r}])")
        self._loaded(code)  # the first run may parse the framework and cache it
        loaded = self._loaded(code)
        assert not loaded & set(self.HEAVY + ("docx", "dataclasses", "tomllib"))
        assert "xlperf.core.checks" not in self._modules(code)

    def _modules(self, code: str) -> set[str]:
        return set(subprocess.run([sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
                                  capture_output=True, text=True, check=True).stdout.split())
