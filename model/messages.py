"""What the program says to its users, in Dutch and English: one catalogue of messages, looked up by key.

Every message a user of ``vitality`` can read (errors, notes, progress, table headings, the help) is
declared once in ``model/messages.toml``: a key with its Dutch and English text side by side, with the
same ``{placeholders}`` (``tests/test_messages.py`` checks both, and that every key used exists). Code
says ``msg("store.exists", out=out)`` and gets a :class:`Message`:

* a ``str`` holding the English text, so that ``str(error)``, logs and tracebacks read as before;
* that keeps its key and values, so the command line says it again in the user's language:
  :func:`say` (a value that is a :class:`Message` itself is said in the same language).

What the program prints while it works (progress, notes) is said in the language of the session,
:func:`use_language` (the command line sets it from ``--lang``; English for the Python API).

Errors a user can fix derive from :class:`InputError`; the command line reports them in one line, in the
user's language, with exit code 2. This module is the bottom layer: the core and every shell may use it.
Names of things (outputs, steering modes, scenarios, neighbourhoods) are not messages: each is declared
where it is defined, and :mod:`model.i18n` looks them up.
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

#: The languages of everything user-facing; Dutch first (the users are Dutch civil servants).
LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
_session = {"lang": "en"}


def use_language(lang: str) -> None:
    """Say what is printed while the program works (progress, notes) in ``lang`` from now on."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {', '.join(LANGUAGES)}")
    _session["lang"] = lang


def language() -> str:
    """The language of the session (:func:`use_language`)."""
    return _session["lang"]


class InputError(ValueError):
    """Bad input that the user can fix: said in one line, in their language, with exit code 2."""


class Message(str):
    """A message from the catalogue: its English text, with the key and values to say it in another language."""

    key: str
    values: dict[str, Any]

    def __new__(cls, key: str, /, **values: Any) -> Message:
        """Look ``key`` up and fill in ``values`` (a ``KeyError`` names a key missing from the catalogue)."""
        self = super().__new__(cls, render(key, "en", values))
        self.key, self.values = key, values
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # errors cross process boundaries (worker processes, Dask)
        return _rebuild, (self.key, self.values)

    def text(self, lang: str) -> str:
        """The message in ``lang`` (``"nl"`` or ``"en"``)."""
        return render(self.key, lang, self.values)


def _rebuild(key: str, values: dict[str, Any]) -> Message:
    return Message(key, **values)


def msg(key: str, /, **values: Any) -> Message:
    """The message ``key`` of the catalogue with ``values`` filled in (see :class:`Message`)."""
    return Message(key, **values)


def say(what: object, lang: str | None = None) -> str:
    """Say a message, or the message of an exception, in ``lang`` (default: the session's); anything else as it is.

    An exception whose first argument is a :class:`Message` is said in ``lang``; other exceptions
    (from libraries, the operating system) keep their own text.
    """
    lang = lang or language()
    if isinstance(what, BaseException):
        what = what.args[0] if len(what.args) == 1 else str(what)
    return what.text(lang) if isinstance(what, Message) else str(what)


def render(key: str, lang: str, values: dict[str, Any] | None = None) -> str:
    """The text of ``key`` in ``lang`` with ``values`` filled in.

    A text given as a list in the catalogue is ``[singular, plural]``, chosen by the value ``n``.
    """
    text = catalogue()[key][lang]
    values = values or {}
    if isinstance(text, list):
        text = text[0] if values.get("n") == 1 else text[1]
    if not values:
        return text
    return text.format(**{k: v.text(lang) if isinstance(v, Message) else v for k, v in values.items()})


@functools.cache
def catalogue() -> dict[str, dict[str, str | list[str]]]:
    """Every message by key (``section.name``): ``{"nl": ..., "en": ...}``, read once from ``messages.toml``."""
    source = resources.files("model").joinpath("messages.toml").read_text(encoding="utf-8")
    flat: dict[str, dict[str, str | list[str]]] = {}

    def walk(table: dict[str, Any], prefix: str) -> None:
        for name, value in table.items():
            if set(value) == set(LANGUAGES):
                flat[prefix + name] = value
            else:
                walk(value, f"{prefix}{name}.")

    walk(tomllib.loads(source), "")
    return flat
