"""The kinds of value a setting holds: how a Python value is checked (and normalised) and how the text of an
environment variable or a settings file becomes one. Every check raises a UsageError naming the setting."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError

TRUE = ("true", "1", "yes", "on", "t", "y")
FALSE = ("false", "0", "no", "off", "f", "n")


@dataclass(frozen=True)
class Kind:
    """check(name, value) gives the value a setting holds; parse(where, text) reads it from text, naming
    `where` (the variable or the file and key) when the text cannot be read."""

    check: Callable[[str, Any], Any]
    parse: Callable[[str, str], Any]


def as_is(where: str, text: str) -> str:
    return text


def flag_text(where: str, value: str) -> bool:
    if value.strip().lower() in TRUE:
        return True
    if value.strip().lower() in FALSE:
        return False
    raise UsageError(f"{where} must be true or false (or 1/0, yes/no, on/off), not {value!r}")


def number_text(kind: type[int] | type[float]) -> Callable[[str, str], int | float]:
    def parse(where: str, value: str) -> int | float:
        try:
            return kind(value.strip())
        except ValueError:
            what = "an integer" if kind is int else "a number"
            raise UsageError(f"{where} must be {what}, not {value!r}") from None

    return parse


def listed_text(where: str, value: str) -> tuple[str, ...]:
    """Comma-separated items, as W&B splits WANDB_TAGS and WANDB_IGNORE_GLOBS."""
    return tuple(item.strip() for item in value.split(",") if item.strip())


def json_text(where: str, value: str) -> Any:
    """W&B reads its dict- and list-valued settings given as text as JSON."""
    try:
        return json.loads(value)
    except ValueError:
        raise UsageError(f"{where} must be JSON, not {value!r}") from None


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise UsageError(f"{name} must be True or False, not {value!r}")
    return value


FLAG = Kind(_flag, flag_text)


def positive(kind: type[int] | type[float], most: float) -> Kind:
    """A positive, finite number no larger than `most` (1e400 reads as inf, which would pass `> 0` and then
    overflow a timer); an int setting takes ints only, a float one ints too."""
    kinds, what = ((int,), "integer") if kind is int else ((int, float), "number")

    def check(name: str, value: Any) -> int | float:
        if isinstance(value, bool) or not isinstance(value, kinds) or not 0 < value <= most:
            raise UsageError(f"{name} must be a positive {what} of at most {most:g}, not {value!r}")
        return value

    return Kind(check, number_text(kind))


def at_least(kind: type[int] | type[float], least: float) -> Kind:
    """A finite number of at least `least`."""
    kinds, what = ((int,), "an integer") if kind is int else ((int, float), "a number")

    def check(name: str, value: Any) -> int | float:
        if (isinstance(value, bool) or not isinstance(value, kinds) or not math.isfinite(value)
                or value < least):
            raise UsageError(f"{name} must be {what} of at least {least:g}, not {value!r}")
        return value

    return Kind(check, number_text(kind))


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise UsageError(f"{name} must be a string, not {value!r}")
    return value


TEXT = Kind(_text, as_is)


def _path(name: str, value: Any) -> str:
    if not isinstance(value, (str, os.PathLike)):
        raise UsageError(f"{name} must be a path, not {value!r}")
    return os.fspath(value)


PATH = Kind(_path, as_is)


def is_url(text: str) -> bool:
    return re.match(r"https?://[^/\s]+", text) is not None


def _url(name: str, value: Any) -> str:
    """An http(s) URL, without the trailing slash (W&B's validate_url, then rstrip)."""
    if not isinstance(value, str) or not is_url(value.strip()):
        raise UsageError(f"{name} must be an http:// or https:// URL, not {value!r}")
    return value.strip().rstrip("/")


URL = Kind(_url, as_is)
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")  # what httpx's proxy transports take
# httpx's mount patterns for proxies: a scheme (or "all"), then optionally "://" and a host pattern.
PROXY_KEY = re.compile(r"(all|http|https)(://[^/\s]*)?")
HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110's token


def redacted(url: str) -> str:
    """A URL with its password, if any, as *** (proxy URLs carry credentials)."""
    return re.sub(r"(://[^/\s@:]*:)[^/\s@]*@", r"\1***@", url)


def proxy_url(name: str, value: Any) -> str:
    """A proxy URL httpx can use: http(s)://, or socks5(h):// where socksio is installed."""
    if not isinstance(value, str) or not re.match(r"([a-z0-9]+)://[^/\s]+", value.strip()):
        shown = redacted(value) if isinstance(value, str) else value
        raise UsageError(f"{name} must be a proxy URL (http://, https://, socks5://), not {shown!r}")
    url = value.strip().rstrip("/")
    scheme = url.split("://", 1)[0]
    if scheme not in PROXY_SCHEMES:
        raise UsageError(f"{name} must be an http://, https://, socks5:// or socks5h:// proxy URL, not "
                         f"{redacted(url)!r}")
    if scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
        raise UsageError(f"{name}: a SOCKS proxy needs the socksio package (pip install 'httpx[socks]')")
    return url


PROXY = Kind(proxy_url, as_is)


def _proxies(name: str, value: Any) -> dict[str, str]:
    """requests' and httpx's proxy keys ("http", "https", "all", "all://host", "https://*.example.com") to
    proxy URLs (JSON text accepted)."""
    value = parsed(name, value)
    if not isinstance(value, dict):
        raise UsageError(f"{name} must be a dict of proxy keys to proxy URLs, not {value!r}")
    for key, url in value.items():
        if not isinstance(key, str) or not PROXY_KEY.fullmatch(key):
            raise UsageError(f"{name}: {key!r} is not a proxy key (http, https, all, or a pattern such as "
                             "'all://host' or 'https://*.example.com')")
    return {key: proxy_url(f"{name}[{key!r}]", url) for key, url in value.items()}


PROXIES = Kind(_proxies, json_text)


def headers(name: str, value: Any, *, refused: Sequence[str] = ()) -> dict[str, str]:
    """HTTP headers: names are tokens, values hold no CR, LF or NUL (they would split the request), and none
    of `refused` (lower-case), which the client sets itself."""
    checked = text_dict(name, value)
    for key, text in checked.items():
        if not HEADER_NAME.fullmatch(key):
            raise UsageError(f"{name}: {key!r} is not an HTTP header name")
        if any(char in text for char in "\r\n\0"):
            raise UsageError(f"{name}[{key!r}]: a header value cannot hold CR, LF or NUL")
        if key.lower() in refused:
            raise UsageError(f"{name} cannot set {key}: runbase's HTTP client sets it for every request")
    return checked


HEADERS = Kind(headers, json_text)


def choice(*values: str) -> Kind:
    def check(name: str, value: Any) -> str:
        if value not in values:
            raise UsageError(f"{name} must be one of {', '.join(values)}, not {value!r}")
        return str(value)

    return Kind(check, as_is)


def parsed(name: str, value: Any) -> Any:
    """W&B's validators read a str given for a dict or list setting as JSON."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise UsageError(f"{name} given as text must be JSON, not {value!r}") from None


def text_dict(name: str, value: Any, *, urls: bool = False) -> dict[str, str]:
    """A {name: text} setting (JSON text accepted); with urls, every value an http(s) URL."""
    value = parsed(name, value)
    if not isinstance(value, dict) or not all(isinstance(k, str) and k and isinstance(v, str)
                                              for k, v in value.items()):
        raise UsageError(f"{name} must be a dict of non-empty names to strings, not {value!r}")
    for key, url in value.items():
        if urls and not is_url(url):
            raise UsageError(f"{name}[{key!r}] must be an http:// or https:// URL, not {url!r}")
    return dict(value)


TEXT_DICT = Kind(text_dict, json_text)


def _text_list(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise UsageError(f"{name} must be a list of strings, not {value!r}")
    return tuple(value)


TEXT_LIST = Kind(_text_list, listed_text)


def flag_or_word(*words: str) -> Kind:
    """reinit's and resume's True/False or one of their words."""
    def check(name: str, value: Any) -> bool | str:
        if not isinstance(value, bool) and value not in words:
            raise UsageError(f"{name} must be one of {', '.join(words)} (or True/False), not {value!r}")
        return value  # type: ignore[no-any-return]

    def parse(where: str, text: str) -> bool | str:
        return flag_text(where, text) if text.strip().lower() in TRUE + FALSE else text.strip()

    return Kind(check, parse)
