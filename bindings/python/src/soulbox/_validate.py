"""Argument checks: Python input the C API cannot take (a wrong type, NUL characters, a number
out of the C type's range) fails here with TypeError/ValueError and a clear message, before
anything reaches the C library. What values mean (user names, terminal sizes, env names) is the
library's to check: it raises InvalidArgumentException, a ValueError."""

from __future__ import annotations

import math
from typing import Any, Dict, Mapping, Optional

def text(name: str, value: Any, *, optional: bool = False) -> str:
    """A str without NUL characters; "" for None when optional."""
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if "\0" in value:
        raise ValueError(f"{name} must not contain NUL characters")
    return value


def path(name: str, value: Any) -> str:
    value = text(name, value)
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value


def user(value: Any) -> str:
    """The user to run as; which users exist is the library's check."""
    return "user" if value is None else text("user", value)


def string_map(name: str, value: Optional[Mapping[str, str]]) -> Dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping of str to str, not {type(value).__name__}")
    return {text(f"{name} key", k): text(f"{name}[{k!r}]", v) for k, v in value.items()}


def seconds(name: str, value: Any) -> float:
    """A non-negative finite duration in seconds; None counts as 0 (no timeout)."""
    if value is None:
        return 0.0
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if math.isnan(value) or math.isinf(value) or value < 0:
        raise ValueError(f"{name} must be a finite number of seconds >= 0, not {value!r}")
    return float(value)


def whole_seconds(name: str, value: Any) -> int:
    """Seconds rounded up (the sandbox lifetime has whole seconds; 0.5 must not mean none)."""
    return math.ceil(seconds(name, value))


def milliseconds(name: str, value: Any) -> int:
    """Seconds -> whole milliseconds, rounded up so a tiny timeout never becomes 0 (= none)."""
    return math.ceil(seconds(name, value) * 1000)


def integer(name: str, value: Any, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, not {value}")
    return value


def optional_integer(name: str, value: Any) -> Optional[int]:
    return None if value is None else integer(name, value)


def data(name: str, value: Any) -> bytes:
    """str (encoded UTF-8) or a bytes-like object."""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{name} must be str or bytes, not {type(value).__name__}")
