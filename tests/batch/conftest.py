"""A folder as a finance bureau receives it: generated department workbooks with known scores, plus the
broken, foreign and hostile files that come with real submissions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from batch_folders import SAMPLES, with_far_cell

from xlperf._samples import write_samples


@pytest.fixture(scope="session")
def sample_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SAMPLES good workbooks in two subfolders (tests copy the folder before adding to it)."""
    root = tmp_path_factory.mktemp("submissions") / "2022各单位"
    paths = write_samples(root / "first", SAMPLES)
    second = root / "second"
    second.mkdir()
    for path in paths[SAMPLES // 2:]:
        shutil.move(path, second / path.name)
    return root


@pytest.fixture
def folder(sample_folder: Path, tmp_path: Path) -> Path:
    """A private copy of the sample folder."""
    return Path(shutil.copytree(sample_folder, tmp_path / sample_folder.name))


@pytest.fixture
def messy_folder(folder: Path) -> Path:
    """The samples plus what else arrives: broken, encrypted, renamed, foreign and hostile files."""
    good = next((folder / "first").glob("*.xlsx"))
    (folder / "截断的.xlsx").write_bytes(good.read_bytes()[:5000])
    (folder / "加密的.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le") * 20)
    (folder / "其实是网页.xlsx").write_text("<html><body>导出</body></html>", encoding="utf-8")
    (folder / "旧格式.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (folder / "~$正在打开.xlsx").write_bytes(b"lock")
    (folder / "自评报告.docx").write_bytes(b"PK")
    with_far_cell(good, folder / "远处有一个单元格.xlsx")
    return folder
