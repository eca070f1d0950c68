"""The catalogue of messages (model/messages.toml): both languages, the same placeholders, no key missing or unused."""

from __future__ import annotations

import ast
import pickle
import re
import string
from pathlib import Path

import pytest

from model.messages import LANGUAGES, InputError, catalogue, msg, render, say

MODEL = Path(__file__).resolve().parents[1] / "model"
KEY_FUNCTIONS = {"msg", "render", "_print", "Message"}  # the functions whose first argument is a catalogue key


def placeholders(text: str | list[str]) -> set[str]:
    """The ``{names}`` of a text (or of each form of a ``[singular, plural]`` text)."""
    forms = text if isinstance(text, list) else [text]
    return {field.split(".")[0].split("[")[0] for form in forms
            for _, field, _, _ in string.Formatter().parse(form) if field is not None}


def key_pattern(node: ast.JoinedStr) -> re.Pattern[str]:
    """The keys an f-string can build: ``f"sheet.{key}"`` gives ``sheet\\.[a-z_0-9]+``."""
    return re.compile("".join(re.escape(str(v.value)) if isinstance(v, ast.Constant) else "[a-z_0-9]+"
                              for v in node.values))


def scan_code() -> tuple[set[str], list[re.Pattern[str]], set[str], list[re.Pattern[str]]]:
    """What the code of ``model/`` says about keys.

    Returns:
        The keys passed to the message functions, literally and as f-strings; every string constant and
        f-string of the code (a key may sit in a table or a conditional before it reaches them).

    """
    passed: set[str] = set()
    built: list[re.Pattern[str]] = []
    constants: set[str] = set()
    fstrings: list[re.Pattern[str]] = []
    for path in MODEL.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
            elif isinstance(node, ast.JoinedStr) and any(  # f"{a}.{b}" would match any key: it says nothing
                    isinstance(v, ast.Constant) and re.search("[a-z]", str(v.value)) for v in node.values):
                fstrings.append(key_pattern(node))
            elif isinstance(node, ast.Call) and node.args \
                    and getattr(node.func, "id", getattr(node.func, "attr", None)) in KEY_FUNCTIONS:
                first = node.args[0]
                if isinstance(first, ast.Constant):
                    passed.add(str(first.value))
                elif isinstance(first, ast.JoinedStr):
                    built.append(key_pattern(first))
    return passed, built, constants, fstrings


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    for key, texts in catalogue().items():
        assert set(texts) == set(LANGUAGES), key
        assert all(texts[lang] for lang in LANGUAGES), key
        assert placeholders(texts["nl"]) == placeholders(texts["en"]), key
        if isinstance(texts["nl"], list) or isinstance(texts["en"], list):  # [singular, plural], chosen by {n}
            assert all(isinstance(texts[lang], list) and len(texts[lang]) == 2 for lang in LANGUAGES), key
            assert "n" in placeholders(texts["en"]), key


def test_every_key_the_code_uses_exists_and_every_key_is_used() -> None:
    passed, built, constants, fstrings = scan_code()
    keys = set(catalogue())
    assert len(passed) > 50 and built  # the scan found the calls (a renamed function would otherwise pass this)
    assert sorted(passed - keys) == []
    for pattern in built:
        assert any(pattern.fullmatch(key) for key in keys), pattern.pattern
    unused = sorted(k for k in keys - constants if not any(p.fullmatch(k) for p in fstrings))
    assert unused == []


def test_a_message_is_english_text_said_again_in_dutch_and_survives_a_process_boundary() -> None:
    error = InputError(msg("store.results_exist", out="res"))
    assert str(error) == render("store.results_exist", "en", {"out": "res"})
    assert say(error, "nl") == render("store.results_exist", "nl", {"out": "res"}) != str(error)
    again = pickle.loads(pickle.dumps(error))
    assert say(again, "nl") == say(error, "nl")
    assert say(OSError("disk full"), "nl") == "disk full"  # other exceptions keep their own text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_singular_and_plural_are_chosen_by_n(lang: str) -> None:
    key = next(k for k, texts in catalogue().items() if isinstance(texts["en"], list))
    values = {name: 1 for name in placeholders(catalogue()[key]["en"])}
    one = render(key, lang, values)
    many = render(key, lang, values | {"n": 2})
    assert one != many


def test_errors_a_user_can_fix_are_raised_with_catalogue_messages() -> None:
    """No ``raise SomeInputError("text")`` or ``(f"...")`` in model/: such a text would stay English under --lang nl."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in MODEL.rglob("*.py")}
    bases = {node.name: {getattr(b, "id", getattr(b, "attr", None)) for b in node.bases}
             for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    user_errors = {InputError.__name__}
    while grown := {name for name, of in bases.items() if of & user_errors} - user_errors:  # subclasses of subclasses
        user_errors |= grown
    assert {"UsageError", "ParameterError", "ScenarioError", "StoreError", "OpenDataError"} <= user_errors  # found
    literal = [f"{path.relative_to(MODEL.parent)}:{node.lineno}"
               for path, tree in trees.items() for node in ast.walk(tree)
               if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and node.exc.args
               and getattr(node.exc.func, "id", getattr(node.exc.func, "attr", None)) in user_errors
               and isinstance(node.exc.args[0], ast.Constant | ast.JoinedStr)]
    assert literal == []
