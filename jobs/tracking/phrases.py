"""Event-text rules: match what carriers write onto (status, reason), in many languages."""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from jobs.tracking.taxonomy import RuleFileError, check_pair, read_json

_NON_WORD = re.compile(r"[\W_]+")
# Accents and other combining marks of the Basic Multilingual Plane, removed after NFKD.
_COMBINING = re.compile(
    "[" + "".join(re.escape(chr(c)) for c in range(0x10000) if unicodedata.combining(chr(c))) + "]+"
)


def normalize(text: str) -> str:
    """Fold case, accents, punctuation and full-width forms, so rules match any spelling."""
    if text.isascii():  # most carrier texts: NFKC and marks change nothing, casefold is lower
        return _NON_WORD.sub(" ", text.lower()).strip()
    folded = unicodedata.normalize("NFKC", text.translate(_MARKS)).casefold()
    if not folded.isascii():
        folded = _COMBINING.sub("", unicodedata.normalize("NFKD", folded)).translate(_LETTERS)
    return _NON_WORD.sub(" ", folded).strip()


# Trade marks are symbols, not letters: NFKC would glue "Point™" into the word "pointtm".
_MARKS = str.maketrans({"™": " ", "®": " ", "℠": " ", "©": " "})

# Letters that are not a base letter plus a mark, so NFKD keeps them: carriers' systems write them
# both ways ("DAĞITIMDA" folds to "dagitimda", "dağıtımda" to "dagıtımda"; "Przesyłka" and
# "Przesylka"), so they fold to the ASCII letter the way accents do.
_LETTERS = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h"})


def spaced(char: str) -> bool:
    """Whether words of this character's script are separated by spaces (Latin, Greek, Cyrillic).

    Their phrases match whole words; phrases in scripts written without spaces (CJK, kana,
    Thai) or with glued prefixes (Hebrew, Arabic: the article and "and" join the word) match
    anywhere in the text.
    """
    code = ord(char)
    return code < 0x0590 or 0x1E00 <= code < 0x2000


STEM = "*"  # a phrase ending in * matches any word beginning so: "doręcz*" finds "doręczono"
_STEM_KEY = 3  # a stem word is longer than this: a shorter probe would run its regex on most texts


def _needle(phrase: str) -> "str | re.Pattern":
    """Search key in the space-padded text: whole words at spaced edges, substring otherwise.

    A phrase with stems ("przyjęt* do realizacji") becomes a small regular expression.
    """
    stem = phrase.endswith(STEM)
    core = phrase.rstrip(STEM)
    head = " " if spaced(core[0]) else ""
    tail = " " if spaced(core[-1]) and not stem else ""
    if STEM not in core:
        return head + core + tail
    body = r"\w*".join(map(re.escape, core.split(STEM)))
    return re.compile(head + body + (r"\w*" if stem else "") + tail)


@dataclass(frozen=True)
class Rule:
    """One rule group: its outcome, priority and optional outcome when negated."""

    status: str
    reason: str
    priority: int
    if_negated: tuple[str, str] | None


class _Index:
    """Every phrase of a book, found in a text in one pass.

    Phrases live in an Aho-Corasick automaton (pyahocorasick, C): one scan of the text reports
    every phrase it contains, whatever the number of phrases. A stem phrase ("doręcz*") is a
    regular expression; its literal beginning (" dorecz") is in the automaton as its probe, and
    the expression runs only when the probe is in the text.
    """

    def __init__(self):
        self.words: dict[str, tuple[list[int], list[tuple[re.Pattern, int]]]] = {}
        self._automaton = None

    def add(self, phrase: str, value: int) -> None:
        needle = _needle(phrase)
        if isinstance(needle, str):
            self.words.setdefault(needle, ([], []))[0].append(value)
        else:
            head = " " if spaced(phrase[0]) else ""
            probe = head + phrase.split(STEM)[0]
            self.words.setdefault(probe, ([], []))[1].append((needle, value))
        self._automaton = None

    @property
    def automaton(self):
        if self._automaton is None:
            import ahocorasick

            automaton = ahocorasick.Automaton()
            for key, (plain, stems) in self.words.items():
                automaton.add_word(key, (len(key), tuple(plain), tuple(stems)))
            if self.words:
                automaton.make_automaton()
            self._automaton = automaton
        return self._automaton

    def find(self, padded: str):
        """Yield (position, length, value) for every place an indexed phrase is in the padded
        text (the caller prefers the leftmost)."""
        if not self.words:
            return
        for end, (length, plain, stems) in self.automaton.iter(padded):
            for value in plain:
                yield end - length + 1, length, value
            for regex, value in stems:
                found = regex.search(padded, end - length + 1)
                if found:
                    yield found.start(), len(found[0]), value


class PhraseBook:
    """All text rules of one phrases.json, compiled for matching many texts quickly."""

    def __init__(self, data, where="config/phrases.json"):
        self.negators = tuple(normalize(n) for n in _strings(data.get("negators", []), where))
        self.window = int(data.get("negation_window", 3))
        self.masks = _Index()
        self.index = _Index()
        self.regexes: list[tuple[re.Pattern, int]] = []
        # regexes of groups with "regex_requires": run only when one of those phrases is found
        self.gates = _Index()
        self.gated: dict[int, list[re.Pattern]] = {}
        self.rules: list[Rule] = []
        self._compile_masks(data.get("masks", {}), where)
        self._compile_rules(data.get("rules"), where)

    def _compile_masks(self, masks, where):
        if not isinstance(masks, dict):
            raise RuleFileError(f"{where}: 'masks' must map languages to phrase lists")
        for lang, phrases in masks.items():
            for phrase in _strings(phrases, f"{where} [masks/{lang}]"):
                self.masks.add(normalize(phrase), 0)

    def _compile_rules(self, groups, where):
        if not isinstance(groups, list):
            raise RuleFileError(f"{where}: 'rules' must be a list of rule groups")
        for number, group in enumerate(groups):
            label = f"{where} [rules #{number}]"
            self.rules.append(_parse_group(group, label))
            phrases, regexes = _group_entries(group, label)
            for phrase in phrases:
                self.index.add(phrase, number)
            gate = group.get("regex_requires")
            if gate is None:
                self.regexes += [(regex, number) for regex in regexes]
                continue
            if not regexes or not isinstance(gate, list) or not gate:
                raise RuleFileError(
                    f"{label}: 'regex_requires' must be a non-empty phrase list, with regexes"
                )
            for phrase in _strings(gate, f"{label} regex_requires"):
                self.gates.add(_fold_phrase(phrase), number)
            self.gated[number] = regexes

    def _negated(self, padded: str, start: int) -> bool:
        before = padded[:start].rstrip()
        words = before.split()[-self.window :]
        return any(n in words if spaced(n[0]) else before.endswith(n) for n in self.negators)

    def _masked(self, padded: str) -> str:
        """Blank every mask span at once, so overlapping masks cannot undo each other."""
        spans = sorted((pos, pos + length) for pos, length, _ in self.masks.find(padded))
        if not spans:
            return padded
        chars = list(padded)
        for start, end in spans:
            chars[start:end] = " " * (end - start)
        return "".join(chars)

    def _candidates(self, padded: str):
        """A sort key of every rule the text matches: highest priority first, then leftmost,
        then longest phrase, then the rule's order (-priority, position, -length, number)."""
        rules = self.rules
        for position, length, number in self.index.find(padded):
            yield -rules[number].priority, position, -length, number
        for number in {number for _, _, number in self.gates.find(padded)}:
            for regex in self.gated[number]:
                found = regex.search(padded)
                if found:
                    yield -rules[number].priority, found.start(), -len(found[0]), number
        for regex, number in self.regexes:
            found = regex.search(padded)
            if found:
                yield -rules[number].priority, found.start(), -len(found[0]), number

    def match(self, text: str) -> tuple[str, str] | None:
        """Return (status, reason) of the highest-priority rule the text matches, or None."""
        padded = self._masked(f" {normalize(text)} ")
        best = min(self._candidates(padded), default=None)
        if best is None:
            return None
        rule = self.rules[best[3]]
        if rule.if_negated and self._negated(padded, best[1]):
            return rule.if_negated
        return rule.status, rule.reason


def _strings(value, where, fold=normalize):
    if not isinstance(value, list) or not all(
        isinstance(v, str) and fold(v.rstrip(STEM)) for v in value
    ):
        raise RuleFileError(f"{where}: must be a list of non-empty strings")
    return value


def _fold_phrase(phrase: str) -> str:
    """Normalise a phrase as texts are, keeping the * that ends a stem word."""
    words = [normalize(w) + (STEM if w.endswith(STEM) else "") for w in phrase.split()]
    return " ".join(w for w in words if w.strip(STEM))


def _parse_group(group, label):
    if not isinstance(group, dict):
        raise RuleFileError(f"{label}: must be an object")
    check_pair(group.get("status"), group.get("reason"), label)
    if not isinstance(group.get("priority"), int):
        raise RuleFileError(f"{label}: 'priority' must be an integer")
    negated = group.get("if_negated")
    if negated is not None:
        if not (isinstance(negated, list) and len(negated) == 2):
            raise RuleFileError(f"{label}: 'if_negated' must be [status, reason]")
        check_pair(negated[0], negated[1], f"{label} if_negated")
        negated = tuple(negated)
    return Rule(group["status"], group["reason"], group["priority"], negated)


def _group_entries(group, label):
    """Return the group's normalised phrases and compiled regexes, checking each one."""
    phrases = group.get("phrases", {})
    if not isinstance(phrases, dict):
        raise RuleFileError(f"{label}: 'phrases' must map languages to phrase lists")
    kind = f"{group['status']}/{group['reason']}"
    normalised = [
        _fold_phrase(p)
        for lang in phrases
        for p in _strings(phrases[lang], f"{label} [{kind} {lang}]")
    ]
    compiled = []
    for regex in _strings(group.get("regexes", []), f"{label} regexes", str.strip):
        try:
            compiled.append(re.compile(regex))
        except re.error as exc:
            raise RuleFileError(f"{label}: bad regex {regex!r} ({exc})") from None
    short = [w for p in normalised for w in p.split() if w.endswith(STEM) and len(w) <= _STEM_KEY]
    if short:
        raise RuleFileError(f"{label}: stem {short[0]!r} needs at least {_STEM_KEY} letters")
    if not normalised and not compiled:
        raise RuleFileError(f"{label}: has no phrases and no regexes")
    return normalised, compiled


def load_phrases(path=None) -> PhraseBook:
    """Read and compile config/phrases.json (or `path`), raising RuleFileError on a bad entry."""
    data = read_json("phrases.json", path)
    if not isinstance(data, dict):
        raise RuleFileError(f"{path or 'config/phrases.json'}: must be an object")
    return PhraseBook(data, str(path or "config/phrases.json"))


@cache
def phrase_book() -> PhraseBook:
    """The phrase book from config/, compiled once per process."""
    return load_phrases()


@lru_cache(maxsize=65536)
def match_text(text: str) -> tuple[str, str] | None:
    """Return (status, reason) for one event text, or None when it says nothing about the state."""
    return phrase_book().match(text)
