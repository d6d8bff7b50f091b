"""The learner's language, chosen once, and every sentence tfmlp and `cli.py` show in it.

The words are data, one file per language in `messages/` (`en.toml`, `ko.toml`), with the same keys;
code asks for a sentence by its key (`message("lab.run_directory", path=...)`) and never branches on
the language. The language is `TFMLP_LANG` (`en` or `ko`) where it is set, else the locale's, read
from the variables gettext reads (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`: the first that is
set), else English. It is chosen once per process. Nothing here imports TensorFlow.
"""

from __future__ import annotations

import functools
import os
import string
import tomllib
import unicodedata
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "ko")  # the course's learners read Korean first
SETTING = "TFMLP_LANG"
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")  # in gettext's order: the first set decides
_MESSAGES = Path(__file__).parent / "messages"
_PLURAL_FORMS = {"one", "other"}  # CLDR's plural categories English needs; Korean has "other" alone


def _language_of(setting: str) -> str:
    """ "ko" of "ko_KR.UTF-8", "ko", "ko-KR" or "ko_KR@euro"; "c" of "C.UTF-8"."""
    return setting.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()


def refused_setting() -> str | None:
    """Why `TFMLP_LANG` cannot be used (in English: no language is known yet), or None when it can or is unset.

    `cli.py` says it in one line and stops; `chosen_language` passes such a value over, so that
    importing or using the library never fails over a setting.
    """
    setting = os.environ.get(SETTING, "")
    if setting and _language_of(setting) not in LANGUAGES:
        return f"{SETTING}={setting} names no language tfmlp speaks; use one of {', '.join(LANGUAGES)}, or unset it to follow the locale"
    return None


@functools.cache
def chosen_language() -> str:
    """The language of every message: `TFMLP_LANG`, else the locale's, else English; chosen once per process.

    Returns:
        One of `LANGUAGES`.

    Example:
        >>> chosen_language()  # with LANG=ko_KR.UTF-8 and TFMLP_LANG unset
        'ko'
    """
    setting = _language_of(os.environ.get(SETTING, ""))
    if setting in LANGUAGES:
        return setting
    for variable in LOCALE_VARIABLES:
        if value := os.environ.get(variable):
            wanted = [_language_of(part) for part in value.split(":")]  # LANGUAGE is a list, "ko:en"
            return next((language for language in wanted if language in LANGUAGES), "en")
    return "en"


@functools.cache
def messages(language: str) -> dict[str, str | dict[str, str]]:
    """Every message of `language` by its dotted key ("lab.run_directory"); a plural message is a
    table of CLDR forms (`one`, `other`).

    Raises:
        ValueError: `language` is not one of `LANGUAGES`.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; valid: {', '.join(LANGUAGES)}")
    return _flattened(tomllib.loads((_MESSAGES / f"{language}.toml").read_text(encoding="utf-8")))


def _flattened(table: dict[str, Any], prefix: str = "") -> dict[str, str | dict[str, str]]:
    flat: dict[str, str | dict[str, str]] = {}
    for key, value in table.items():
        if isinstance(value, dict) and not set(value) <= _PLURAL_FORMS:
            flat.update(_flattened(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def message(key: str, /, **fields: Any) -> str:
    """The sentence `key` in the chosen language, its `{placeholders}` filled from `fields`.

    A plural message takes its form from `fields["count"]`: "1 epoch", "2 epochs" ("2에폭" in Korean).

    Args:
        key: the message's dotted key in `messages/<language>.toml`.
        **fields: the values the sentence names (paths, figures, ids), shown as they are.

    Returns:
        The sentence.

    Example:
        >>> message("runs.epochs", count=1)
        '1 epoch'
    """
    text = messages(chosen_language())[key]
    if isinstance(text, dict):
        text = text["one"] if fields.get("count") == 1 and "one" in text else text["other"]
    return text.format(**fields)


def placeholders(text: str | dict[str, str]) -> set[str]:
    """The names of the `{fields}` a message (every form of a plural one) fills in."""
    forms = text.values() if isinstance(text, dict) else [text]
    return {name.split(".")[0].split("[")[0] for form in forms for _, name, _, _ in string.Formatter().parse(form) if name}


def display_width(text: str) -> int:
    """Columns `text` takes in a terminal: a Hangul syllable (or any wide character) takes two."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def padded(text: str, width: int, align: str = "<") -> str:
    """`text` filled with spaces to `width` terminal columns, on the right ("<") or the left (">")."""
    fill = " " * max(0, width - display_width(text))
    return text + fill if align == "<" else fill + text
