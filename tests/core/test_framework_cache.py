"""The cache of checked frameworks (core/_fwcache.py): used only for the same TOML bytes and code, never
trusted when damaged or foreign, and no error where it cannot be written."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest

from xlperf.core import _fwcache
from xlperf.core import frameworks as frameworks_module
from xlperf.core.frameworks import SHIPPED_DIR, load_framework
from xlperf_testing import run_xlperf

SHIPPED = SHIPPED_DIR / "gz-baiyun-2022.toml"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder for this test (the commands it starts inherit it)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "xlperf"


@pytest.fixture
def toml(tmp_path: Path) -> Path:
    """A framework file of the user's own (read from disk at every load, unlike a shipped one)."""
    folder = tmp_path / "我区"
    folder.mkdir()
    return Path(shutil.copy(SHIPPED, folder / "我区2023.toml"))


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.framework")) if cache.is_dir() else []


def _not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(frameworks_module, "parse_framework", refuse)


class TestFrameworkCache:
    def test_a_checked_framework_is_read_back_the_same_from_anywhere(self, cache: Path, toml: Path,
                                                                       tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
        parsed = load_framework(toml)
        assert len(_entries(cache)) == 1
        moved = Path(shutil.copy(toml, tmp_path / "别处.toml"))
        _not_parsed(monkeypatch)
        again = load_framework(moved)
        # the same rules; where it was found is the new place (its report template is looked for there)
        assert again == frameworks_module.replace(parsed, path="别处.toml", folder=str(tmp_path.resolve()))
        assert again.digest == parsed.digest and again.indicators == parsed.indicators

    def test_changed_toml_is_parsed_again(self, cache: Path, toml: Path) -> None:
        assert load_framework(toml).grades[0].name == "优"
        toml.write_text(toml.read_text(encoding="utf-8").replace('name = "优"', 'name = "优秀"', 1), encoding="utf-8")
        assert load_framework(toml).grades[0].name == "优秀"
        assert len(_entries(cache)) == 2  # one per content

    @pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty", "other key"])
    def test_damaged_cache_is_ignored_and_written_anew(self, cache: Path, toml: Path, damage: str) -> None:
        expected = load_framework(toml)
        (entry,) = _entries(cache)
        data = entry.read_bytes()
        entry.write_bytes({"garbage": os.urandom(300), "truncated": data[:len(data) // 2],
                           "flipped": data[:-40] + bytes([data[-40] ^ 1]) + data[-39:], "empty": b"",
                           "other key": data.replace(b"framework cache 1\n", b"framework cache 1\n0", 1)}[damage])
        assert load_framework(toml) == expected
        assert entry.read_bytes() == data  # replaced by a good one

    def test_foreign_pickle_is_never_run(self, cache: Path, toml: Path, tmp_path: Path) -> None:
        """A file with a valid header and checksum whose pickle calls something: refused, not called."""
        expected = load_framework(toml)
        (entry,) = _entries(cache)
        marker = tmp_path / "ran"

        class Hostile:
            def __reduce__(self) -> tuple[object, tuple[str]]:
                return os.mkdir, (str(marker),)

        payload = pickle.dumps(Hostile())
        _, key = _fwcache._entry(toml.read_bytes())
        entry.write_bytes(_fwcache.MAGIC + key + b"\n" + _fwcache.digest(payload).encode("ascii") + b"\n" + payload)
        assert load_framework(toml) == expected
        assert not marker.exists()

    def test_no_cache_where_nothing_can_be_written(self, tmp_path: Path, toml: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
        blocked = tmp_path / "a-file"
        blocked.write_text("not a folder", encoding="utf-8")
        monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))  # xlperf's folder cannot be made inside a file
        first, second = load_framework(toml), load_framework(toml)
        assert first == second and first.id == "gz-baiyun-2022"
        assert blocked.read_text(encoding="utf-8") == "not a folder"

    def test_the_command_scores_alike_with_a_cache_and_a_broken_one(self, cache: Path, example_workbook: Path) -> None:
        first = run_xlperf("score", str(example_workbook), "--json")
        assert first.returncode == 0, first.stderr
        (entry,) = _entries(cache)
        assert run_xlperf("score", str(example_workbook), "--json").stdout == first.stdout  # read from the cache
        entry.write_bytes(entry.read_bytes()[:100])
        broken = run_xlperf("score", str(example_workbook), "--json")
        assert (broken.returncode, broken.stdout, broken.stderr) == (0, first.stdout, "")
