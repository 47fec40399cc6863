"""Declarative, pydantic-free parameter schemas for rule kinds.

Partner managers type rule parameters into the strategy editor and they are stored as JSON, so
every value is checked on publish and each problem comes back under its field name, in a
sentence the manager can act on ("Must be a whole number from 7 to 730.").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

REQUIRED = "This field is required."
UNKNOWN = "Unknown parameter."
NON_FIELD = "__all__"  # errors about the whole object rather than one field, as in Django forms


class ParamError(ValueError):
    """One field's problem, in a sentence shown next to the field."""


def _number(value: Any) -> float | None:
    """The value as a finite number, or None; numeric text is accepted because HTML forms send text."""
    if isinstance(value, bool):  # True is an int in Python, never a number for a manager
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value):
        return value
    return None


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _bounds(noun: str, low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"Must be {noun} from {_fmt(low)} to {_fmt(high)}."
    if low is not None:
        return f"Must be {noun} of at least {_fmt(low)}."
    if high is not None:
        return f"Must be {noun} of at most {_fmt(high)}."
    return f"Must be {noun}."


def _one_of(choices: tuple[str, ...]) -> str:
    return f"Must be one of: {', '.join(choices)}."


@dataclass(frozen=True)
class Param:
    """One named parameter; ``clean`` returns the typed value or raises ParamError."""

    name: str
    required: bool = False
    default: Any = None
    type_name: ClassVar[str] = "any"

    def is_blank(self, value: Any) -> bool:
        return value is None

    def clean(self, value: Any) -> Any:
        raise NotImplementedError

    def as_json(self) -> dict[str, Any]:
        """The parameter's schema for the strategy editor and the API."""
        schema: dict[str, Any] = {"type": self.type_name}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if value is None or value == () or (value is False and spec.name != "default"):
                continue
            if spec.name == "pattern_message" and not self.pattern:
                continue
            schema[spec.name] = list(value) if isinstance(value, tuple) else value
        return schema


@dataclass(frozen=True)
class IntParam(Param):
    min: int | None = None
    max: int | None = None
    type_name: ClassVar[str] = "int"

    def clean(self, value: Any) -> int:
        number = _number(value)
        if (
            number is None
            or not float(number).is_integer()
            or (self.min is not None and number < self.min)
            or (self.max is not None and number > self.max)
        ):
            raise ParamError(_bounds("a whole number", self.min, self.max))
        return int(number)


@dataclass(frozen=True)
class FloatParam(Param):
    min: float | None = None
    max: float | None = None
    type_name: ClassVar[str] = "float"

    def clean(self, value: Any) -> float:
        number = _number(value)
        if (
            number is None
            or (self.min is not None and number < self.min)
            or (self.max is not None and number > self.max)
        ):
            raise ParamError(_bounds("a number", self.min, self.max))
        return float(number)


@dataclass(frozen=True)
class BoolParam(Param):
    type_name: ClassVar[str] = "bool"

    def clean(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise ParamError("Must be true or false.")
        return value


@dataclass(frozen=True)
class StrParam(Param):
    """Text, trimmed; an empty optional text counts as not given, so a cleared form field means "default"."""

    max_length: int | None = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    pattern_message: str = "Contains characters that are not allowed."
    type_name: ClassVar[str] = "str"

    def is_blank(self, value: Any) -> bool:
        return value is None or (isinstance(value, str) and not value.strip())

    def clean(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ParamError(_one_of(self.choices) if self.choices else "Must be text.")
        text = value.strip()
        if self.choices and text not in self.choices:
            raise ParamError(_one_of(self.choices))
        if self.max_length is not None and len(text) > self.max_length:
            raise ParamError(f"Must be at most {self.max_length} characters.")
        if self.pattern and not re.fullmatch(self.pattern, text):
            raise ParamError(self.pattern_message)
        return text


@dataclass(frozen=True)
class StrListParam(Param):
    """A list of text values, trimmed and de-duplicated in order; returned as a tuple."""

    choices: tuple[str, ...] = ()
    min_items: int = 0
    max_items: int = 50
    max_length: int = 50
    type_name: ClassVar[str] = "list[str]"

    def clean(self, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list | tuple) or not all(isinstance(item, str) and item.strip() for item in value):
            raise ParamError("Must be a list of non-empty text values.")
        items = tuple(dict.fromkeys(item.strip() for item in value))
        unknown = [item for item in items if self.choices and item not in self.choices]
        if unknown:
            raise ParamError(f"Unknown value “{unknown[0]}”. {_one_of(self.choices)}")
        if any(len(item) > self.max_length for item in items):
            raise ParamError(f"Each value must be at most {self.max_length} characters.")
        if len(items) < self.min_items:
            raise ParamError(f"Choose at least {self.min_items} value{'s' if self.min_items > 1 else ''}.")
        if len(items) > self.max_items:
            raise ParamError(f"Choose at most {self.max_items} values.")
        return items


@dataclass(frozen=True)
class FloatMapParam(Param):
    """Named numbers, such as weights per component; returned as a dict in ``keys`` order."""

    keys: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    require_positive: bool = False
    type_name: ClassVar[str] = "dict[str,float]"

    def clean(self, value: Any) -> dict[str, float]:
        if not isinstance(value, Mapping):
            raise ParamError(f"Must be an object mapping {', '.join(self.keys)} to numbers.")
        unknown = [str(key) for key in value if key not in self.keys]
        if unknown:
            raise ParamError(f"Unknown key “{unknown[0]}”. Use {', '.join(self.keys)}.")
        cleaned = {}
        for key in self.keys:
            if key not in value:
                continue
            number = _number(value[key])
            if (
                number is None
                or (self.min is not None and number < self.min)
                or (self.max is not None and number > self.max)
            ):
                raise ParamError(f"“{key}”: {_bounds('a number', self.min, self.max).lower()}")
            cleaned[key] = float(number)
        if self.require_positive and not any(number > 0 for number in cleaned.values()):
            raise ParamError("At least one value must be above 0.")
        return cleaned


@dataclass(frozen=True)
class IntMapParam(Param):
    """Whole numbers under keys the manager chooses (vertical slugs, say), such as
    ``{"healthcare": 2}``; keys are checked against ``key_pattern`` here (whether they exist lives
    in the database) and returned sorted, so the same map is stored the same way."""

    min: int | None = None
    max: int | None = None
    max_items: int = 50
    key_pattern: str = r"^[a-z0-9-]{1,50}$"
    type_name: ClassVar[str] = "dict[str,int]"

    def clean(self, value: Any) -> dict[str, int]:
        if not isinstance(value, Mapping):
            raise ParamError("Must be an object mapping names to whole numbers.")
        if len(value) > self.max_items:
            raise ParamError(f"At most {self.max_items} entries.")
        cleaned = {}
        for key in sorted(value, key=str):
            if not isinstance(key, str) or not re.fullmatch(self.key_pattern, key):
                raise ParamError(f"“{key}” is not a valid name: lower-case letters, digits and hyphens.")
            number = _number(value[key])
            if (
                number is None
                or not float(number).is_integer()
                or (self.min is not None and number < self.min)
                or (self.max is not None and number > self.max)
            ):
                raise ParamError(f"“{key}”: {_bounds('a whole number', self.min, self.max).lower()}")
            cleaned[key] = int(number)
        return cleaned


class Params(Mapping[str, Any]):
    """Validated parameter values, read as attributes (``self.p.days``) and stored with ``to_json``."""

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_values", dict(values))

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Params are read-only.")

    def __getitem__(self, name: str) -> Any:
        return self._values[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Params({self._values!r})"

    def to_json(self) -> dict[str, Any]:
        return {
            key: list(value) if isinstance(value, tuple) else dict(value) if isinstance(value, dict) else value
            for key, value in self._values.items()
        }


class ParamSchema:
    """The parameters of one rule kind, in declaration order."""

    def __init__(self, *params: Param) -> None:
        self.params = {param.name: param for param in params}

    def validate(self, raw: Mapping[str, Any] | None) -> tuple[Params | None, dict[str, list[str]]]:
        """Typed params and no errors, or None and the errors keyed by parameter name.

        Unknown keys are errors, so a typo ("every_day") is reported rather than silently ignored.
        Defaults go through ``clean`` too, which hands every rule its own copy of a default dict.
        """
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            return None, {NON_FIELD: ["Must be an object of named parameters."]}
        errors = {str(key): [UNKNOWN] for key in raw if key not in self.params}
        values: dict[str, Any] = {}
        for name, param in self.params.items():
            value = raw.get(name)
            if param.is_blank(value):
                if param.required:
                    errors[name] = [REQUIRED]
                else:
                    values[name] = None if param.default is None else param.clean(param.default)
                continue
            try:
                values[name] = param.clean(value)
            except ParamError as error:
                errors[name] = [str(error)]
        return (None, errors) if errors else (Params(values), {})

    def as_json(self) -> list[dict[str, Any]]:
        return [param.as_json() for param in self.params.values()]
