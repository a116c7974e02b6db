"""Event-text rules: match what carriers write onto (status, reason), in many languages."""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from jobs.taxonomy import RuleFileError, check_pair, read_json

_NON_WORD = re.compile(r"[\W_]+")


def normalize(text: str) -> str:
    """Fold case, accents, punctuation and full-width forms, so rules match any spelling."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    if not folded.isascii():
        decomposed = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", folded).strip()


def _phrase_pattern(phrase: str) -> str:
    """Whole words for Latin-script edges, plain substring for CJK edges (no spaces there)."""
    body = re.escape(phrase)
    head = r"(?<![a-z0-9])" if phrase[0].isascii() else ""
    tail = r"(?![a-z0-9])" if phrase[-1].isascii() else ""
    return head + body + tail


@dataclass(frozen=True)
class Rule:
    """One compiled rule group: its outcome, priority and optional outcome when negated."""

    status: str
    reason: str
    priority: int
    if_negated: tuple[str, str] | None


class PhraseBook:
    """All text rules compiled into one alternation per priority level, highest first."""

    def __init__(self, data, where="config/phrases.json"):
        self.negators = tuple(normalize(n) for n in data.get("negators", []))
        self.window = int(data.get("negation_window", 3))
        self.mask = self._compile_masks(data.get("masks", {}), where)
        self.rules: list[Rule] = []
        self.levels: list[re.Pattern] = []
        self._compile_rules(data.get("rules"), where)

    def _compile_masks(self, masks, where):
        if not isinstance(masks, dict):
            raise RuleFileError(f"{where}: 'masks' must map languages to phrase lists")
        parts = [
            _phrase_pattern(normalize(p))
            for lang in masks
            for p in _strings(masks[lang], f"{where} [masks/{lang}]")
        ]
        return re.compile("|".join(parts)) if parts else None

    def _compile_rules(self, groups, where):
        if not isinstance(groups, list):
            raise RuleFileError(f"{where}: 'rules' must be a list of rule groups")
        by_level: dict[int, list[str]] = {}
        for index, group in enumerate(groups):
            label = f"{where} [rules #{index}]"
            rule = _parse_group(group, label)
            name = f"r{len(self.rules)}"
            self.rules.append(rule)
            by_level.setdefault(rule.priority, []).append(
                f"(?P<{name}>{_group_pattern(group, label)})"
            )
        for priority in sorted(by_level, reverse=True):
            self.levels.append(re.compile("|".join(by_level[priority])))

    def _negated(self, text: str, start: int) -> bool:
        before = text[:start].rstrip()
        words = before.split()[-self.window :]
        return any(n in words if n.isascii() else before.endswith(n) for n in self.negators)

    def match(self, text: str) -> tuple[str, str] | None:
        """Return (status, reason) of the highest-priority rule the text matches, or None."""
        text = normalize(text)
        if self.mask is not None:
            text = self.mask.sub(" ", text)
        for level in self.levels:
            for found in level.finditer(text):
                rule = self.rules[int(found.lastgroup[1:])]
                if rule.if_negated and self._negated(text, found.start()):
                    return rule.if_negated
                return rule.status, rule.reason
        return None


def _strings(value, where, fold=normalize):
    if not isinstance(value, list) or not all(isinstance(v, str) and fold(v) for v in value):
        raise RuleFileError(f"{where}: must be a list of non-empty strings")
    return value


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


def _group_pattern(group, label):
    phrases = group.get("phrases", {})
    if not isinstance(phrases, dict):
        raise RuleFileError(f"{label}: 'phrases' must map languages to phrase lists")
    parts = [
        _phrase_pattern(normalize(p))
        for lang in phrases
        for p in _strings(phrases[lang], f"{label} [{group['status']}/{group['reason']} {lang}]")
    ]
    for regex in _strings(group.get("regexes", []), f"{label} regexes", str.strip):
        try:
            re.compile(regex)
        except re.error as exc:
            raise RuleFileError(f"{label}: bad regex {regex!r} ({exc})") from None
        parts.append(f"(?:{regex})")
    if not parts:
        raise RuleFileError(f"{label}: has no phrases and no regexes")
    # Longest first, so "not delivered" is tried before "delivered" at the same position.
    parts.sort(key=len, reverse=True)
    return "|".join(parts)


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
