"""core._record: the core's value classes behave as the frozen dataclasses they replace."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from decimal import Decimal

import pytest

from xlperf.core._record import FrozenInstanceError, field, record, replace
from xlperf.core.errors import Location
from xlperf.core.frameworks import load_framework
from xlperf.core.methods import RatioParams


@record
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    seen: dict[str, int] = field(default_factory=dict, compare=False)


@record
class Point3(Point):
    z: Decimal = Decimal(1)


@dataclasses.dataclass(frozen=True)
class Twin:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()
    seen: dict[str, int] = dataclasses.field(default_factory=dict, compare=False)


@record(frozen=False)
class Open:
    items: list[int] = field(default_factory=list)


class TestRecord:
    def test_init_repr_eq_hash_as_a_frozen_dataclass(self) -> None:
        for args, kwargs in (((1,), {}), ((1, 2), {"tags": ("a",)}), ((), {"x": 3, "seen": {"k": 1}})):
            mine, theirs = Point(*args, **kwargs), Twin(*args, **kwargs)
            assert repr(mine) == repr(theirs).replace("Twin", "Point")
            assert (mine == Point(*args, **kwargs)) and hash(mine) == hash(Point(*args, **kwargs))
        assert Point(1, seen={"a": 1}) == Point(1, seen={"b": 2})  # compare=False
        assert Point(1) != Point(2) and Point(1) != Twin(1)
        assert Point(1).seen is not Point(1).seen  # a factory per instance

    def test_frozen_and_arguments_checked(self) -> None:
        point = Point(1)
        with pytest.raises(FrozenInstanceError):
            point.x = 2  # type: ignore[misc]
        with pytest.raises(AttributeError):
            del point.x  # type: ignore[misc]
        with pytest.raises(TypeError, match="missing"):
            Point()  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="unexpected"):
            Point(1, w=2)  # type: ignore[call-arg]
        with pytest.raises(TypeError, match="multiple"):
            Point(1, x=2)  # type: ignore[misc]
        with pytest.raises(TypeError, match="takes"):
            Point(1, 2, (), {}, 5)  # type: ignore[call-arg]
        opened = Open()
        opened.items = [1]
        assert opened.items == [1] and Open.__hash__ is None  # not frozen: not hashable, as dataclasses

    def test_subclass_pickle_copy_and_dataclasses_functions(self) -> None:
        point = Point3(1, z=Decimal("2.5"))
        assert repr(point) == "Point3(x=1, y=0, tags=(), seen={}, z=Decimal('2.5'))"
        assert pickle.loads(pickle.dumps(point)) == point and copy.deepcopy(point) == point
        assert dataclasses.is_dataclass(point) and [f.name for f in dataclasses.fields(Point3)] == ["x", "y", "tags", "seen", "z"]
        assert dataclasses.replace(point, y=5) == replace(point, y=5) == Point3(1, 5, z=Decimal("2.5"))
        assert dataclasses.asdict(Point(1)) == {"x": 1, "y": 0, "tags": (), "seen": {}}

    def test_core_classes(self) -> None:
        """Locations are dictionary keys; a framework's digest is made from the params' repr."""
        assert {Location(sheet="表", cell="A1"): 1}[Location(sheet="表", cell="A1")] == 1
        fw = load_framework("gz-baiyun-2022")
        assert fw.digest == "72ebeddc931089e7"
        params = fw.indicator("ZX03").params
        assert isinstance(params, RatioParams) and repr(params).startswith("RatioParams(numerator=")
        assert pickle.loads(pickle.dumps(fw.scoring)) == fw.scoring

    def test_an_init_written_out_must_take_the_fields(self) -> None:
        """A record may write its own __init__ (for speed) only with exactly its fields, in order."""
        with pytest.raises(TypeError, match="its fields are"):
            @record
            class Wrong:
                a: int
                b: int = 0

                def __init__(self, b: int = 0, a: int = 0) -> None:
                    self.__dict__.update(a=a, b=b)
