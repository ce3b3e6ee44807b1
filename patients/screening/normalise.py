"""Turn free text into word tokens that keep their place in the patient's original text.

This module imports nothing from its siblings so the build script can load it on its own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# A decimal point belongs to numbers only, so "No.3" splits into "no" and "3". A "#" straight
# before a number is kept: "Tylenol #1" names a product, it is not one tablet of Tylenol.
_TOKEN_RE = re.compile(r"\d+(?:\.\d+)?[a-z0-9]*|[a-z][a-z0-9]*|[/,;+&]|#(?=\s*\d)")
SEPARATORS = frozenset("/,;+&")
CLAUSE_SEPARATORS = frozenset(",;")


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # folded: lower case, accents removed
    start: int  # span in the original text
    end: int

    @property
    def is_separator(self) -> bool:
        return self.text in SEPARATORS


# Russian and Ukrainian letters in Latin (a plain transliteration, as a pharmacy label abroad
# spells them): "Трамадол 50 мг" is read as "tramadol 50 mg". Lower case only: folding comes first.
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u", "f",
         "kh", "ts", "ch", "sh", "shch", "_", "y", "_", "e", "yu", "ya", "i", "yi", "ye", "g"],
        strict=True,
    )
)


def fold(text: str) -> tuple[str, list[int]]:
    """Lower-case, strip accents and write Cyrillic in Latin letters, remembering which original
    character each output came from."""
    if text.isascii() and "_" not in text:
        # The common case, with the same result as the loop below ("_" is dropped there).
        return text.lower(), list(range(len(text)))
    out: list[str] = []
    where: list[int] = []
    for index, char in enumerate(text):
        for piece in unicodedata.normalize("NFKD", char):
            if unicodedata.combining(piece):
                continue
            for lowered in piece.casefold():
                for latin in _CYRILLIC.get(lowered, lowered).replace("_", ""):
                    out.append(latin)
                    where.append(index)
    return "".join(out), where


def tokenize(text: str) -> list[Token]:
    folded, where = fold(text)
    tokens: list[Token] = []
    for match in _TOKEN_RE.finditer(folded):
        start = where[match.start()]
        end = where[match.end() - 1] + 1
        tokens.append(Token(match.group(), start, end))
    return _expand_shorthand(tokens)


_SHORTHAND_STARTS = frozenset({"w", "d", "#", "&", "+"})


def _expand_shorthand(tokens: list[Token]) -> list[Token]:
    # "w/" and "w/o" are how prescribers and patients write "with" and "without".
    if not any(token.text in _SHORTHAND_STARTS for token in tokens):
        return tokens  # every rewrite below starts at one of these tokens
    result: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        following = tokens[i + 1] if i + 1 < len(tokens) else None
        if token.text == "w" and following is not None and following.text == "/":
            after = tokens[i + 2] if i + 2 < len(tokens) else None
            if after is not None and after.text == "o" and after.start == following.end:
                result.append(Token("without", token.start, after.end))
                i += 3
                continue
            result.append(Token("with", token.start, following.end))
            i += 2
            continue
        if token.text == "d" and following is not None and following.text == "/":
            # "d/c", "d/c'd", "d/c'ed": discontinued, as prescribers write it.
            after = tokens[i + 2] if i + 2 < len(tokens) else None
            if after is not None and after.text == "cd" and after.start == following.end:
                result.append(Token("dcd", token.start, after.end))  # "d/cd 10/20"
                i += 3
                continue
            if after is not None and after.text == "c" and after.start == following.end:
                tail = tokens[i + 3] if i + 3 < len(tokens) else None
                if tail is not None and tail.text in ("d", "ed") and tail.start <= after.end + 1:
                    result.append(Token("dcd", token.start, tail.end))
                    i += 4
                else:
                    result.append(Token("dcd", token.start, after.end))
                    i += 3
                continue
        if token.text == "#":
            result.append(Token("number", token.start, token.end))
            i += 1
            continue
        if token.text in ("&", "+"):
            result.append(Token("and", token.start, token.end))
            i += 1
            continue
        result.append(token)
        i += 1
    return result


def term_key(name: str) -> str:
    """The lookup key for a drug name: its words, folded, joined by single spaces."""
    return " ".join(t.text for t in tokenize(name) if not t.is_separator)


_PHONETIC_STEPS = (
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"c(?=[eiy])"), "s"),
    (re.compile(r"c"), "k"),
    (re.compile(r"q"), "k"),
    (re.compile(r"y"), "i"),
    (re.compile(r"z"), "s"),
    (re.compile(r"(?<=[a-z])h"), ""),
    (re.compile(r"([a-z])\1+"), r"\1"),
)


def phonetic_key(word: str) -> str:
    """A rough sound-alike spelling, so "morfine" meets "morphine" and "percoset" meets "percocet"."""
    key = word
    for pattern, replacement in _PHONETIC_STEPS:
        key = pattern.sub(replacement, key)
    return key
