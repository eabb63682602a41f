"""Value classes that cost nothing to define: `@record` instead of `@dataclass(frozen=True)`.

A dataclass writes its __init__, __repr__, __eq__, __hash__ and, when frozen, __setattr__ as source
text and compiles each with exec() when its module is imported: about half a millisecond a class, and
`import dataclasses` itself (it imports inspect) costs five more. The core defines some forty such
classes, so `xlperf score` spent a quarter of its time making classes before reading a single cell.
`record` gives the same classes from a few shared functions instead, and nothing is compiled:

    @record                       # frozen: fields cannot be assigned after __init__
    class Location:
        sheet: str = ""
        cell: str = ""

    @record(frozen=False)         # fields may be assigned (DepartmentYear)
    class Table:
        rows: list[str] = field(default_factory=list)

What the class then has is what the same dataclass has: an __init__ taking the fields in order (by
position or by name; defaults and default factories; a class may write its own, for speed, which must
take exactly its fields in order), a repr written the same way (framework digests
are made from it), equality and, when frozen, a hash over the fields that compare, FrozenInstanceError
(an AttributeError) on assignment, __match_args__, pickling and copying. Type checkers see a dataclass
(PEP 681). `dataclasses.fields`, `replace`, `asdict` and `is_dataclass` work on records and instances:
the first time one of them looks, a dataclass with the same fields is made (dataclasses is imported by
then) and its fields are given. Not supported, because nothing here uses them: ordering, __post_init__,
InitVar, ClassVar fields with defaults, keyword-only fields, __slots__.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class _FieldSpec:
    """What `field()` says about a field; replaced on the class by the default itself, as dataclasses do."""

    __slots__ = ("default", "default_factory", "compare", "hash")

    def __init__(self, default: Any, default_factory: Any, compare: bool, hash: bool | None) -> None:
        self.default, self.default_factory, self.compare, self.hash = default, default_factory, compare, hash


def field(*, default: Any = MISSING, default_factory: Callable[[], Any] | Any = MISSING, compare: bool = True,
          hash: bool | None = None) -> Any:
    """A field's default made per instance (`default_factory`), a field left out of == and hash
    (`compare=False`) or out of the hash only (`hash=False`), as dataclasses.field."""
    if default is not MISSING and default_factory is not MISSING:
        raise ValueError("cannot specify both default and default_factory")
    return _FieldSpec(default, default_factory, compare, hash)


class FrozenInstanceError(AttributeError):
    """Assignment to a field of a frozen record."""


class _Field:
    """One field of a record: its name, annotation (as written: a string) and default."""

    __slots__ = ("name", "annotation", "default", "factory", "compare", "hash")

    def __init__(self, name: str, annotation: Any, default: Any, factory: Any, compare: bool,
                 hash: bool | None = None) -> None:
        self.name, self.annotation, self.default = name, annotation, default
        self.factory, self.compare, self.hash = factory, compare, hash

    @property
    def hashed(self) -> bool:
        return self.compare if self.hash is None else self.hash


def fields_of(cls: type) -> tuple[_Field, ...]:
    """The fields of a record class, in order (a base class's first)."""
    found: tuple[_Field, ...] = cls.__dict__.get("__record_fields__", ())
    return found


def is_record(cls: object) -> bool:
    return isinstance(cls, type) and "__record_fields__" in cls.__dict__


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of a record with some fields changed (dataclasses.replace)."""
    values = {f.name: obj.__dict__[f.name] for f in fields_of(type(obj))}
    unknown = set(changes) - set(values)
    if unknown:
        raise TypeError(f"{type(obj).__qualname__} has no field {sorted(unknown)[0]!r}")
    return type(obj)(**(values | changes))


@overload
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(*, frozen: bool = True) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T] | None = None, /, *, frozen: bool = True) -> type[T] | Callable[[type[T]], type[T]]:
    """Make `cls` a record (see the module's docstring): frozen unless `frozen=False`."""

    def wrap(cls: type[T]) -> type[T]:
        return _make(cls, frozen)

    return wrap if cls is None else wrap(cls)


def _make(cls: type[T], frozen: bool) -> type[T]:
    fields: dict[str, _Field] = {}
    for base in reversed(cls.__mro__[1:]):
        for f in base.__dict__.get("__record_fields__", ()):
            fields[f.name] = f
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if isinstance(annotation, str) and annotation.replace("typing.", "").startswith("ClassVar"):
            continue
        value = cls.__dict__.get(name, MISSING)
        if isinstance(value, _FieldSpec):
            f = _Field(name, annotation, value.default, value.default_factory, value.compare, value.hash)
            if value.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, value.default)
        else:
            f = _Field(name, annotation, value, MISSING, True)
        fields[name] = f
    ordered = tuple(fields.values())
    seen_default = False
    for f in ordered:
        if f.default is not MISSING or f.factory is not MISSING:
            seen_default = True
        elif seen_default:
            raise TypeError(f"non-default argument {f.name!r} follows default argument")
    names = tuple(f.name for f in ordered)
    own = cls.__dict__.get("__init__")
    if own is not None:  # written out for speed: it must take the fields, in order
        code = own.__code__
        taken = code.co_varnames[1:code.co_argcount + code.co_kwonlyargcount]
        if taken != names:
            raise TypeError(f"{cls.__qualname__}.__init__ takes {taken}, its fields are {names}")
    compared = tuple(f.name for f in ordered if f.compare)
    hashed = tuple(f.name for f in ordered if f.hashed)
    setattr(cls, "__record_fields__", ordered)
    setattr(cls, "__match_args__", names)
    _set(cls, "__init__", _init(cls.__qualname__, ordered))
    _set(cls, "__repr__", _repr(names))
    _set(cls, "__eq__", _eq(compared))
    if "__hash__" not in cls.__dict__ or cls.__dict__["__hash__"] is None:
        # as dataclasses: frozen and compared by value, hashed by value; otherwise not hashable
        setattr(cls, "__hash__", _hash(hashed) if frozen else None)
    if frozen:
        setattr(cls, "__setattr__", _frozen_setattr)
        setattr(cls, "__delattr__", _frozen_delattr)
    setattr(cls, "__dataclass_fields__", _AsDataclass(frozen))
    return cls


def _set(cls: type, name: str, value: Any) -> None:
    if name not in cls.__dict__:  # a method the class writes itself stays (as with dataclasses)
        value.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, value)


def _init(qualname: str, fields: tuple[_Field, ...]) -> Callable[..., None]:
    names = tuple(f.name for f in fields)
    known = frozenset(names)
    count = len(names)
    # every field in order, with its default (MISSING for the required and the made ones): copied and
    # filled in, the instance's fields come out in their order, with two updates in C
    template = {f.name: f.default for f in fields}
    required = tuple(f.name for f in fields if f.default is MISSING and f.factory is MISSING)
    factories = tuple((f.name, f.factory) for f in fields if f.factory is not MISSING)

    positional = [frozenset(names[:n]) for n in range(count + 1)]  # the fields given by position, by count
    plain = not factories and not required  # every field has a plain default

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        given = len(args)
        if given == count and not kwargs:
            self.__dict__.update(zip(names, args))  # set directly: a frozen record refuses setattr
            return
        if given > count:
            raise TypeError(f"{qualname}() takes {count} arguments but {given} were given")
        values = template.copy()
        if given:
            values.update(zip(names, args))
        if kwargs:
            if not known.issuperset(kwargs):
                raise TypeError(f"{qualname}() got an unexpected keyword argument "
                                f"{next(k for k in kwargs if k not in known)!r}")
            if given and not positional[given].isdisjoint(kwargs):
                raise TypeError(f"{qualname}() got multiple values for argument "
                                f"{next(k for k in kwargs if k in positional[given])!r}")
            values.update(kwargs)
        if not plain:
            for name, factory in factories:
                if values[name] is MISSING:
                    values[name] = factory()
            for name in required:
                if values[name] is MISSING:
                    missing = [name for name in required if values[name] is MISSING]
                    raise TypeError(f"{qualname}() missing required argument{'s' if len(missing) > 1 else ''}: "
                                    + ", ".join(repr(m) for m in missing))
        self.__dict__.update(values)

    return __init__


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        values = self.__dict__
        shown = ", ".join(f"{name}={values[name]!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _eq(names: tuple[str, ...]) -> Callable[[Any, object], Any]:
    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is not self.__class__:
            return NotImplemented
        mine, theirs = self.__dict__, other.__dict__  # compared as tuples, as dataclasses do
        return tuple([mine[name] for name in names]) == tuple([theirs[name] for name in names])

    return __eq__


def _hash(names: tuple[str, ...]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        values = self.__dict__
        return hash(tuple(values[name] for name in names))

    return __hash__


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


class _AsDataclass:
    """The class's `__dataclass_fields__`, made when first asked for (by dataclasses.fields, replace,
    asdict or is_dataclass, which have imported dataclasses by then) from a dataclass of the same fields."""

    def __init__(self, frozen: bool) -> None:
        self.frozen = frozen

    def __get__(self, instance: object, owner: type) -> dict[str, Any]:
        made: dict[str, Any] | None = owner.__dict__.get("_record_dataclass_fields")
        if made is None:
            import dataclasses

            specs = []
            for f in fields_of(owner):
                options: dict[str, Any] = {"compare": f.compare, "hash": f.hash}
                if f.default is not MISSING:
                    options["default"] = f.default
                if f.factory is not MISSING:
                    options["default_factory"] = f.factory
                specs.append((f.name, f.annotation, dataclasses.field(**options)))
            # eq=False: unhashable defaults (a record that is not frozen) are fine where nothing is compared
            shadow = dataclasses.make_dataclass(owner.__name__, specs, frozen=self.frozen, eq=False)
            made = dict(getattr(shadow, "__dataclass_fields__"))
            type.__setattr__(owner, "_record_dataclass_fields", made)
        return made


__all__ = ["FrozenInstanceError", "MISSING", "field", "fields_of", "is_record", "record", "replace"]
