"""Vietnamese prose for demo stories, cut from the press digital-transformation documents.

The documents live in ../shared/seeds beside the repository; a compact copy of public administrative
text ships in this package so the demo also works from a bare clone.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings

SEEDS_DIR = Path(settings.BASE_DIR).parent / "shared" / "seeds"
BUNDLED = Path(__file__).with_name("corpus_vi.txt")

# Web-page chrome that follows the article in the saved pages: everything from here on is dropped.
_END_MARKERS = re.compile(r"^(\(\d+\) )?(Bình luận|Nổi bật|Nơi nhận:|banner)\s*$|^Cổng thông tin điện tử")
_NOISE = re.compile(r"(\.(jpe?g|png)$)|Lorem ipsum|Skip |^icon$", re.IGNORECASE)
_NUMBERED = re.compile(r"^([IVX]+|\d+)\.\s+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[A-ZĐÀ-Ỹ0-9“\"])")
_WORD = re.compile(r"\w+")
_DATELINE = re.compile(r"ngày \d+ tháng|^\w+, ngày")
_CONNECTIVE = re.compile(r"^(Qua đó|Đồng thời|Bên cạnh đó|Theo đó|Ngoài ra), ")
# A clause ending like this introduces a list and cannot stand alone.
_DANGLING = re.compile(r"\b(như|gồm|sau|là|của|và|về)$")


@dataclass(frozen=True)
class Corpus:
    sentences: tuple[str, ...]  # whole sentences for sapos, paragraphs and quotes
    headlines: tuple[str, ...]  # short standalone lines and clauses, no final full stop
    headings: tuple[str, ...]  # numbered headings of the plans, for crossheads
    source: str  # where the text was read from, for the summary

    def figures(self) -> tuple[str, ...]:
        """Sentences that state a target in per cent, for factboxes."""
        return tuple(s for s in self.sentences if "%" in s and len(s) <= 260)


@cache
def load_corpus() -> Corpus:
    """The corpus from ../shared/seeds if it is there, else from the copy in this package."""
    files = sorted(SEEDS_DIR.glob("*.txt")) if SEEDS_DIR.is_dir() else []
    if files:
        return parse([path.read_text(encoding="utf-8") for path in files], source=str(SEEDS_DIR))
    return parse([BUNDLED.read_text(encoding="utf-8")], source=str(BUNDLED))


def parse(texts: list[str], *, source: str) -> Corpus:
    sentences: list[str] = []
    headlines: list[str] = []
    headings: list[str] = []
    for text in texts:
        for line in _article_lines(text):
            numbered = bool(_NUMBERED.match(line))
            line = _NUMBERED.sub("", line).lstrip("-• ").replace("**", "").strip()
            line = re.sub(r"\s*\*[^*]+\*\s*$", "", line)  # signatures in italics after a paragraph
            if not line or line.isupper():
                continue
            words = len(_WORD.findall(line))
            if numbered and 3 <= words <= 14 and not line.endswith("."):
                headings.append(line)
            elif not line.endswith((".", ";", ":")):
                headlines.extend(_headline_clauses(line))
            for sentence in _SENTENCE_END.split(line):
                sentence = sentence.strip()
                if 12 <= len(_WORD.findall(sentence)) <= 80:
                    sentences.append(_as_sentence(sentence))
                    headlines.extend(_headline_clauses(sentence))
    return Corpus(
        sentences=_unique(sentences), headlines=_unique(headlines), headings=_unique(headings), source=source
    )


def _article_lines(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.splitlines():
        line = " ".join(raw.split())
        if _END_MARKERS.match(line):
            break
        if not line or line.startswith("#") or _NOISE.search(line):
            continue
        if lines and line[0].islower():  # a paragraph broken across a page
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return lines


def _as_sentence(text: str) -> str:
    text = text.rstrip(" ;,")
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def _headline_clauses(text: str) -> list[str]:
    """The sentence itself or its clauses, when 8–26 words long and able to stand alone as a headline."""
    found = []
    for clause in [text, *re.split(r";\s+|:\s+", text)]:
        clause = clause.strip(" .,…")
        if 8 <= len(_WORD.findall(clause)) <= 26 and _reads_as_headline(clause):
            clause = _CONNECTIVE.sub("", clause)
            found.append(clause[0].upper() + clause[1:])
    return found


def _reads_as_headline(clause: str) -> bool:
    return not (
        _DATELINE.search(clause)
        or _DANGLING.search(clause)
        or sum(word.isupper() and len(word) > 3 for word in clause.split()) >= 2
        or ";" in clause
        or clause.count("(") != clause.count(")")
    )


def _unique(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
