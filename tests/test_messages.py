"""Words are data per language: both languages say every message, with the fields the code fills in,
and the language is chosen once, from TFMLP_LANG or the locale."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tfmlp.language import LANGUAGES, chosen_language, display_width, message, messages, padded, placeholders

REPOSITORY = Path(__file__).resolve().parent.parent
HANGUL = re.compile(r"[\uac00-\ud7a3]")
SOURCES = [REPOSITORY / "cli.py", *sorted((REPOSITORY / "labs").glob("*.py")), *sorted((REPOSITORY / "tfmlp").rglob("*.py"))]


def message_calls() -> dict[str, set[str] | None]:
    """Every `message("key", field=...)` in the code: the key and the fields given (None where some
    come from a `**mapping`, which the check cannot see)."""
    calls: dict[str, set[str] | None] = {}
    for source in SOURCES:
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "message" and node.args:
                key = node.args[0]
                keys = [key.body, key.orelse] if isinstance(key, ast.IfExp) else [key]
                fields = None if any(keyword.arg is None for keyword in node.keywords) else {keyword.arg for keyword in node.keywords}
                for constant in keys:
                    if isinstance(constant, ast.Constant):
                        known = calls.get(constant.value, set())
                        calls[constant.value] = None if known is None or fields is None else known | fields
    return calls


def string_constants() -> set[str]:
    return {
        node.value
        for source in SOURCES
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_every_message_exists_in_every_language_and_a_plural_has_its_other_form() -> None:
    english = messages("en")
    for language in LANGUAGES:
        assert set(messages(language)) == set(english), f"{language}: keys one language lacks"
        for key, text in messages(language).items():
            if isinstance(text, dict):
                assert "other" in text, f"{language} {key}"


def test_every_message_the_code_asks_for_exists_and_names_only_the_fields_given() -> None:
    calls = message_calls()
    assert len(calls) > 200
    for key, fields in calls.items():
        for language in LANGUAGES:
            assert key in messages(language), f"{key} is not in {language}.toml"
            if fields is not None:
                assert placeholders(messages(language)[key]) <= fields, f"{language} {key} names a field the code does not give"


def test_every_message_is_used() -> None:
    """A key is used as a literal: in a `message(...)` call or in a table of keys (errno to words, say)."""
    unused = set(messages("en")) - string_constants()
    assert not unused, f"messages no code asks for: {sorted(unused)}"


def test_plural_forms() -> None:
    assert [message("runs.epochs", count=count) for count in (1, 2)] == ["1 epoch", "2 epochs"]
    assert message("runs.steps", count=10_000) == "10000 steps"


def test_plural_forms_in_korean(korean: None) -> None:
    assert [message("runs.epochs", count=count) for count in (1, 2)] == ["1에폭", "2에폭"]


@pytest.mark.parametrize(
    ("environment", "language"),
    [
        ({"LANG": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "ko_KR.UTF-8", "TFMLP_LANG": "en"}, "en"),
        ({"LANG": "C.UTF-8", "TFMLP_LANG": "ko"}, "ko"),
        ({"LANG": "en_US.UTF-8", "LC_ALL": "ko_KR.UTF-8"}, "ko"),
        ({"LANG": "ko_KR.UTF-8", "LC_MESSAGES": "en_GB.UTF-8"}, "en"),
        ({"LANGUAGE": "fr:ko", "LANG": "fr_FR.UTF-8"}, "ko"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_language_is_tfmlp_lang_else_the_locale_else_english(
    environment: dict[str, str], language: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("TFMLP_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(variable, raising=False)
    for variable, value in environment.items():
        monkeypatch.setenv(variable, value)
    chosen_language.cache_clear()
    try:
        assert chosen_language() == language
    finally:
        monkeypatch.undo()
        chosen_language.cache_clear()


def run_cli(*args: str, **environment: str) -> subprocess.CompletedProcess[str]:
    """`python cli.py ARGS` in a locale and a TFMLP_LANG of the test's choosing (none by default)."""
    settings = ("TFMLP_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
    variables = {name: value for name, value in os.environ.items() if name not in settings}
    return subprocess.run(
        [sys.executable, "cli.py", *args], cwd=REPOSITORY, env={**variables, **environment}, capture_output=True, text=True, check=False
    )


def test_a_korean_locale_chooses_korean_and_tfmlp_lang_overrides_it() -> None:
    assert run_cli("list", LANG="ko_KR.UTF-8").stdout.splitlines()[1].endswith("소프트맥스 회귀, 무작위 정규분포 초기화")
    assert run_cli("list", LANG="ko_KR.UTF-8", TFMLP_LANG="en").stdout.splitlines()[1].endswith("Softmax regression, random normal init")


def test_an_unknown_tfmlp_lang_is_one_line_and_exit_code_2() -> None:
    done = run_cli("list", TFMLP_LANG="fr")
    assert done.returncode == 2 and not done.stdout
    assert done.stderr == "Error: TFMLP_LANG=fr names no language tfmlp speaks; use one of en, ko, or unset it to follow the locale\n"


def test_help_is_korean_down_to_clicks_frame() -> None:
    """Every command's and option's own help is a message, and so is click's frame around them ("Usage:",
    "Options:", "Commands:", the `--help` line); only the placeholders ([OPTIONS], LAB_ID) stay as written."""
    for command in ("lab", "predict", "runs", "tune"):
        done = run_cli(command, "--help", TFMLP_LANG="ko")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"사용법: cli.py {command} [OPTIONS]"), done.stdout
        entries = re.split(r"\n  (?=-)", done.stdout.partition("\n옵션:\n")[2])  # an option, its help on the lines after it too
        assert len(entries) >= 2 and all(HANGUL.search(entry) for entry in entries), done.stdout
        assert HANGUL.search(done.stdout.partition("옵션:")[0].removeprefix("사용법:")), "the command's own help"
    top = run_cli("--help", TFMLP_LANG="ko").stdout
    assert "\n옵션:\n" in top and "\n명령:\n" in top and "Usage" not in top and "Options" not in top, top
    assert run_cli("runs", "--help").stdout.startswith("Usage: cli.py runs [OPTIONS]"), "English keeps click's words"


def test_columns_are_padded_by_the_terminal_width_of_their_words() -> None:
    assert display_width("강의 정확도") == 11 and display_width("original") == 8
    assert padded("강의", 6, ">") == "  강의" and padded("id", 4) == "id  "
