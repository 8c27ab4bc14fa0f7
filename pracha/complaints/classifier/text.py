"""Text preparation and Thai word segmentation (newmm, by nlpO3 through pythainlp) for the classifier.

`prepare` normalises a complaint once; the analyzers below turn prepared text into the features of
the models. They are module-level functions so that a pickled vectorizer refers to them by name.
Segmentation is pythainlp's newmm algorithm as nlpO3 implements it in Rust: the same dictionary and the
same Thai words, about five times faster than the Python one (decision 0535); it is cached per text and
bounded by MAX_CHARS: the first 1,000 characters say what a complaint is about.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pythainlp.tokenize.newmm import segment
from pythainlp.tokenize.nlpo3 import segment as fast_segment
from pythainlp.util import normalize as thai_normalize

from pracha.core.masking import mask_text

from .vocabulary import CATEGORIES

MAX_CHARS = 1000

# Field labels of the 1555 call centre's template ("ปัญหา: … ซอย: … ถนน: … จุดสังเกต: …"): the word
# ถนน there labels an address, not a road problem.
_TEMPLATE = re.compile(r"(ปัญหา|ซอย|ถนน|จุดสังเกต|เขต|แขวง|บ้านเลขที่)\s*:")
_URL = re.compile(r"https?://\S+|www\.\S+")
_DIGITS = re.compile(r"\d+")
_SPACE = re.compile(r"\s+")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")

# Words that mark a question or a suggestion (intent features; the model weighs them).
_QUESTION_CUES = re.compile(
    r"สอบถาม|อยากทราบ|ขอทราบ|ไม่ทราบว่า|อยากรู้|ทำไม|ได้ไหม|ได้มั้ย|ไหม|มั้ย|หรือไม่|หรือเปล่า|รึเปล่า"
    r"|อย่างไร|ยังไง|เมื่อไหร่|เมื่อไร|เหรอ|หรอ|\?"
)
_SUGGESTION_CUES = re.compile(r"เสนอแนะ|ขอเสนอ|ข้อเสนอ|อยากให้มี|อยากให้|อยากได้|ควรจะ|ควร|น่าจะ|แนะนำ|ปรับปรุง")

_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (code, tuple(k.lower() for k in entry["keywords"]))
    for code, entry in CATEGORIES.items()
    if entry["keywords"]
)


@lru_cache(maxsize=4096)
def prepare(text: str) -> str:
    """Masked, normalised, lower-cased text with digits as 0 and without URLs and template labels
    (cached: routing prepares a complaint for the classifier and again for its duplicate check)."""
    text = mask_text((text or "")[: MAX_CHARS * 2])[:MAX_CHARS]
    text = thai_normalize(text.translate(_THAI_DIGITS))
    text = _TEMPLATE.sub(" ", _URL.sub(" ", text)).replace("#1555", " ")
    return _SPACE.sub(" ", _DIGITS.sub("0", text)).strip().lower()


@lru_cache(maxsize=8192)
def words(prepared: str) -> tuple[str, ...]:
    """newmm words of prepared text (cached: the intake classifies a text more than once). nlpO3's
    safe mode is not used: in 1.4 it cuts inside syllables, and MAX_CHARS already bounds the work."""
    return tuple(w for w in fast_segment(prepared) if w.strip())


def category_features(prepared: str) -> list[str]:
    """Words plus one marker per category whose keywords occur (they carry synonyms the data lacks)."""
    marks = [f"kw:{code}" for code, keys in _KEYWORDS if any(k in prepared for k in keys)]
    return [*words(prepared), *marks]


def intent_features(prepared: str) -> list[str]:
    out = [*words(prepared)]
    out += [f"q:{m}" for m in _QUESTION_CUES.findall(prepared)]
    out += [f"s:{m}" for m in _SUGGESTION_CUES.findall(prepared)]
    if prepared.endswith(("?", "ไหม", "มั้ย", "ไหมคะ", "ไหมครับ", "มั้ยคะ", "มั้ยครับ")):
        out.append("q:end")
    return out


def plain_words(text: str) -> list[str]:
    """The plain baseline's tokens: newmm words of the raw text, nothing else."""
    return [w for w in segment(text or "") if w.strip()]
