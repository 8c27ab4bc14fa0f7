"""Urgency by rules (weak supervision): Thai danger cues, the predicted categories and the intent.

There are no urgency labels, so urgency is not learned: explicit rules say it, and say why (the cue
names are returned with the level). Decision 0500 gives the scheme and how it was checked.

- critical: danger to life now: fire, live wires or electrocution, gas leak, collapse, drowning.
- high: likely harm soon or harm already done: fallen wires or trees, open manholes, road cave-ins,
  flooding into homes, blocked emergency routes, dead traffic lights, injuries, biting dogs.
- low: a suggestion or a question with no danger cue, or a category that asks for no action on site.
- normal: everything else.

Each cue has a weight (how surely it means its level). A level's score is the noisy-OR of the
weights of the cues found for it and for the levels above it; the highest level scoring at least 0.5
is chosen and its score is the confidence. A cue preceded by a negation (ไม่มี…, ไม่ได้…) is ignored.
A cue stated as a risk (อาจ…, เสี่ยง…, กลัว…, หาก…) or, for a critical one, as past (เคย…,
เมื่อวันที่…, ซาก…) is a weak high cue (weight 0.45; an injury as a risk, "อาจถูกรถชน", 0.3): it
makes high only together with other evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LEVELS = ("low", "normal", "high", "critical")
_CHOOSE_AT = 0.5


@dataclass(frozen=True)
class Cue:
    name: str
    level: str
    weight: float
    pattern: re.Pattern[str]
    risk_weight: float = 0.45  # the weight when stated as a risk or, if critical, as past


def _cue(name: str, level: str, weight: float, pattern: str, risk_weight: float = 0.45) -> Cue:
    return Cue(name, level, weight, re.compile(pattern), risk_weight)


_WIRE = r"สาย(?:ไฟ(?:ฟ้า)?|สื่อสาร|เคเบิล|โทรศัพท์)"
CUES: tuple[Cue, ...] = (
    _cue("fire", "critical", 0.85, r"ไฟไหม้|เพลิงไหม้|ไฟลุก|ลุกไหม้|ไฟกำลังไหม้"),
    _cue(
        "live_wire",
        "critical",
        0.85,
        r"ไฟ(?:ฟ้า)?(?:ช็อ[ตค]|ชอร์ต|ชอต|ดูด|รั่ว)|ประกายไฟ|สายไฟฟ้าแรงสูง\S{0,6}(?:ขาด|หล่น|ตก)"
        r"|หม้อแปลง(?:ไฟฟ้า)?\S{0,4}(?:ระเบิด|ไหม้|มีควัน)",
    ),
    # Not กลิ่นแก๊สไข่เน่า: "rotten-egg gas" is how people describe sewage.
    _cue("gas_leak", "critical", 0.85, r"(?:แก๊ส|ก๊าซ)\S{0,4}รั่ว|กลิ่น(?:แก๊ส|ก๊าซ)(?!\S{0,3}ไข่เน่า)"),
    _cue("explosion", "critical", 0.6, r"ระเบิด"),
    _cue(
        "collapse",
        "critical",
        0.8,
        r"(?:ตึก|อาคาร|บ้าน|สะพาน|กำแพง|ป้าย|หลังคา|นั่งร้าน)\S{0,8}(?:ถล่ม|พังลงมา|ล้มทับ)|ถล่มลงมา",
    ),
    _cue("drowning", "critical", 0.8, r"จมน้ำ|หมดสติ|ไม่หายใจ"),
    _cue("fallen_wire", "high", 0.7, _WIRE + r"\S{0,10}(?:ขาด|หล่น|ตก|พาด|ห้อยต่ำ|ห้อยลง|ลงมา|ระโยงระยางต่ำ)"),
    _cue(
        "injury",
        "high",
        0.6,
        r"บาดเจ็บ|เสียชีวิต|คนตาย|(?<!ไข้)เลือดออก|กระดูกหัก|ถูกรถชน|รถชน|ล้มหัว|เกิดอุบัติเหตุ(?:แล้ว|บ่อย|หลายครั้ง)"
        r"|ล้มหลายราย|ชนกัน",
        risk_weight=0.3,
    ),
    _cue(
        "fallen_tree",
        "high",
        0.65,
        r"ต้นไม้\S{0,8}(?:ล้ม|หักโค่น|โค่น|หักลงมา|ทับ)|กิ่งไม้\S{0,8}(?:หัก|ตก|หล่น)\S{0,12}(?:ทับ|ขวาง|ถนน|สายไฟ)",
    ),
    _cue(
        "open_manhole",
        "high",
        0.6,
        r"ฝาท่อ\S{0,8}(?:หาย|เปิด|แตก|ยุบ|พัง|หลุด)|ไม่มีฝาท่อ|ท่อเปิด|บ่อพัก\S{0,6}(?:เปิด|ไม่มีฝา)",
    ),
    _cue("road_collapse", "high", 0.55, r"ถนน\S{0,6}(?:ยุบ|ถล่ม|ทรุดตัว)|หลุมลึก|หลุมใหญ่|โพรง|ตลิ่งพัง|ดินสไลด์"),
    _cue(
        "flood_home",
        "high",
        0.65,
        r"น้ำ(?:ท่วม)?\S{0,6}(?:เข้าบ้าน|ท่วมบ้าน|เข้าในบ้าน|ถึงบ้าน|ในบ้าน)|ท่วมถึงเข่า|ท่วมถึงเอว|ท่วมสูง",
    ),
    _cue(
        "emergency_route",
        "high",
        0.7,
        r"รถ(?:พยาบาล|ดับเพลิง|ฉุกเฉิน|กู้ภัย|กู้ชีพ)\S{0,24}(?:เข้าไม่ได้|เข้าไปไม่ได้|ผ่านไม่ได้|เข้าไม่ถึง|ติด|ขวาง)"
        r"|ทางหนีไฟ\S{0,12}(?:ปิด|ขวาง|ล็อก|ล็อค)|ขวางทางรถ(?:พยาบาล|ดับเพลิง|ฉุกเฉิน)",
    ),
    _cue("traffic_light_out", "high", 0.6, r"ไฟ(?:สัญญาณ)?จราจร\S{0,6}(?:ดับ|เสีย|ไม่ทำงาน|ชำรุด|ไม่ติด)"),
    _cue("dog_bite", "high", 0.55, r"(?:สุนัข|หมา)\S{0,12}(?:กัด|ไล่กัด)"),
    _cue("wide_power_cut", "high", 0.55, r"ไฟ(?:ฟ้า)?ดับ\S{0,4}ทั้ง(?:ซอย|หมู่บ้าน|ชุมชน|ตำบล|แถบ)"),
    # Weak cues: each alone stays normal, together or with a hazardous category they make high.
    _cue("danger_word", "high", 0.3, r"อันตราย|อุบัติเหตุ|หวาดเสียว"),
    _cue("vulnerable_people", "high", 0.2, r"เด็กนักเรียน|ผู้สูงอายุ|คนชรา|ผู้พิการ|คนท้อง"),
)

# Categories that are hazards in themselves: (level, factor); the evidence is factor x confidence.
CATEGORY_EVIDENCE = {
    "cables": ("high", 0.35),
    "risk_spot": ("high", 0.3),
    "safety": ("high", 0.25),
    "flooding": ("high", 0.25),
    "fire_equipment": ("high", 0.2),
}
# Categories that ask for no action on site: low unless a danger cue says otherwise.
LOW_CATEGORIES = frozenset({"public_relations", "service_request"})

_NEGATION = re.compile(r"(?:ไม่มี|ไม่ได้|ไม่เคย|ไม่ใช่|ไม่)\s?$")
_RISK = re.compile(r"อาจ|เสี่ยง|กลัว|เกรง|หวั่น|ป้องกัน|ระวัง|ก่อนจะ|จะเกิด|ก่อให้เกิด|หาก|ถ้า|เผื่อ")
_PAST = re.compile(r"เคย|เมื่อวันที่|ก่อนหน้านี้|ที่ผ่านมา|ซาก")


def _noisy_or(weights: list[float]) -> float:
    miss = 1.0
    for w in weights:
        miss *= 1.0 - w
    return 1.0 - miss


def assess(
    prepared: str, categories: list[tuple[str, float]], intent: tuple[str, float]
) -> tuple[str, float, tuple[str, ...]]:
    """(level, confidence, names of the cues that decided) for prepared text and the predictions."""
    found: dict[str, list[tuple[float, str]]] = {level: [] for level in LEVELS}
    for cue in CUES:
        for m in cue.pattern.finditer(prepared):
            if _NEGATION.search(prepared[max(0, m.start() - 6) : m.start()]):
                continue
            level, weight = cue.level, cue.weight
            before, after = prepared[max(0, m.start() - 60) : m.start()], prepared[m.end() : m.end() + 60]
            risk = _RISK.search(before[-40:])
            if risk or (level == "critical" and (_PAST.search(before) or _PAST.search(after))):
                level, weight = "high", min(weight, cue.risk_weight)
            found[level].append((weight, cue.name))
            break
    for code, confidence in categories:
        if code in CATEGORY_EVIDENCE:
            level, factor = CATEGORY_EVIDENCE[code]
            found[level].append((factor * confidence, f"category:{code}"))

    above: list[tuple[float, str]] = []
    for level in ("critical", "high"):
        above += found[level]
        score = _noisy_or([w for w, _ in above])
        if score >= _CHOOSE_AT:
            reasons = tuple(dict.fromkeys(name for w, name in sorted(above, reverse=True)))
            return level, round(score, 4), reasons
    danger = _noisy_or([w for w, _ in above])
    top = categories[0][0] if categories else ""
    if (intent[0] in ("suggestion", "question") and intent[1] >= 0.5) or top in LOW_CATEGORIES:
        why = f"intent:{intent[0]}" if intent[0] in ("suggestion", "question") else f"category:{top}"
        return "low", round(0.5 + 0.4 * (1.0 - danger) * max(intent[1], 0.5), 4), (why,)
    # Normal: as sure as the danger evidence is weak (between 0.5 and 0.9).
    return "normal", round(0.5 + 0.4 * (1.0 - danger / _CHOOSE_AT), 4), ()
