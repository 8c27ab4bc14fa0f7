"""The classifier's vocabularies: complaint categories, intents and urgency levels.

Category codes are stable (routing rules, stored complaints and corrections refer to them). Each is
derived from the types Traffy Fondue offers complainants (`traffy`); synonyms from its older and newer
type lists share one code (เสียง and เสียงรบกวน are both `noise`). `keywords` are Thai words that
point at the category: they become features of the model and Open311 service keywords. Three codes
have no Traffy type and so no training data yet (`water_supply`, `labour_abroad`, and mostly `crime`):
`rule` patterns predict them until officers' corrections give the model enough examples.
Names are data, in Thai and English, not gettext strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

OTHER = "other"

CATEGORIES: dict[str, dict] = {
    "flooding": {
        "th": "น้ำท่วม",
        "en": "Flooding",
        "group": "water",
        "traffy": ("น้ำท่วม",),
        "keywords": ("น้ำท่วม", "น้ำขัง", "ท่วมขัง", "น้ำรอระบาย", "น้ำเอ่อ", "ท่วมสูง"),
    },
    "drainage": {
        "th": "ท่อระบายน้ำ",
        "en": "Drains and sewers",
        "group": "water",
        "traffy": ("ท่อระบายน้ำ",),
        "keywords": ("ท่อระบายน้ำ", "ฝาท่อ", "บ่อพัก", "ท่ออุดตัน", "ลอกท่อ", "ตะแกรงระบายน้ำ", "ท่อตัน"),
    },
    "canal": {
        "th": "คลอง",
        "en": "Canals",
        "group": "water",
        "traffy": ("คลอง",),
        "keywords": ("คลอง", "ผักตบ", "ริมคลอง", "ขุดลอก", "ตลิ่ง", "เรือ"),
    },
    "water_supply": {
        "th": "น้ำประปา",
        "en": "Tap water supply",
        "group": "water",
        "traffy": (),
        "keywords": ("น้ำประปา", "ประปาไม่ไหล", "น้ำไม่ไหล", "ท่อประปา", "การประปา", "น้ำประปาขุ่น"),
        "rule": r"(น้ำประปา|ท่อประปา|ประปา(ไม่ไหล|แตก|รั่ว|ขุ่น|ไหลอ่อน)|การประปา|น้ำไม่ไหล)",
    },
    "road": {
        "th": "ถนน",
        "en": "Roads",
        "group": "streets",
        "traffy": ("ถนน",),
        "keywords": ("ถนน", "ผิวถนน", "ผิวจราจร", "หลุม", "ถนนยุบ", "ถนนทรุด", "ลาดยาง", "ถนนพัง"),
    },
    "footpath": {
        "th": "ทางเท้า",
        "en": "Footpaths",
        "group": "streets",
        "traffy": ("ทางเท้า",),
        "keywords": ("ทางเท้า", "ฟุตบาท", "ฟุตปาท", "บาทวิถี", "ทางเดินเท้า", "กระเบื้องทางเท้า"),
    },
    "bridge": {
        "th": "สะพาน",
        "en": "Bridges and footbridges",
        "group": "streets",
        "traffy": ("สะพาน",),
        "keywords": ("สะพาน", "สะพานลอย", "สะพานข้ามคลอง", "ทางม้าลาย"),
    },
    "traffic": {
        "th": "จราจร",
        "en": "Traffic",
        "group": "streets",
        "traffy": ("จราจร",),
        "keywords": (
            "จราจร",
            "รถติด",
            "สัญญาณไฟจราจร",
            "ไฟจราจร",
            "จอดรถ",
            "จอดซ้อนคัน",
            "ย้อนศร",
            "ฝ่าไฟแดง",
            "จักรยานยนต์",
            "มอเตอร์ไซค์",
        ),
    },
    "traffic_signs": {
        "th": "ป้ายจราจร",
        "en": "Traffic signs",
        "group": "streets",
        "traffy": ("ป้ายจราจร",),
        "keywords": ("ป้ายจราจร", "ป้ายบอกทาง", "ป้ายห้ามจอด"),
    },
    "obstruction": {
        "th": "กีดขวาง",
        "en": "Obstructions of public space",
        "group": "streets",
        "traffy": ("กีดขวาง",),
        "keywords": ("กีดขวาง", "วางของ", "รุกล้ำ", "ตั้งร้าน", "แผงลอย", "หาบเร่", "ขวางทาง"),
    },
    "transport": {
        "th": "การเดินทาง",
        "en": "Public transport and taxis",
        "group": "streets",
        "traffy": ("การเดินทาง", "แท็กซี่/รถเมล์", "วินมอไซค์"),
        "keywords": ("รถเมล์", "แท็กซี่", "วินมอเตอร์ไซค์", "ป้ายรถเมล์", "ท่าเรือ", "รถโดยสาร"),
    },
    "power": {
        "th": "ไฟฟ้า",
        "en": "Electricity",
        "group": "lighting and power",
        "traffy": ("ไฟฟ้า",),
        "keywords": ("ไฟฟ้า", "ไฟดับ", "ไฟฟ้าดับ", "การไฟฟ้า", "หม้อแปลง", "เสาไฟฟ้า", "ไฟตก"),
    },
    "streetlight": {
        "th": "แสงสว่าง",
        "en": "Street lighting",
        "group": "lighting and power",
        "traffy": ("แสงสว่าง",),
        "keywords": ("ไฟทาง", "ไฟถนน", "เสาไฟ", "หลอดไฟ", "ไฟส่องสว่าง", "ไม่สว่าง", "มืด", "ไฟฟ้าส่องสว่าง"),
    },
    "cables": {
        "th": "สายไฟ",
        "en": "Overhead cables",
        "group": "lighting and power",
        "traffy": ("สายไฟ", "สายสื่อสาร"),
        "keywords": ("สายไฟ", "สายสื่อสาร", "สายเคเบิล", "สายโทรศัพท์", "สายระโยงระยาง", "สายห้อย"),
    },
    "cleanliness": {
        "th": "ความสะอาด",
        "en": "Cleanliness",
        "group": "environment",
        "traffy": ("ความสะอาด",),
        "keywords": ("สกปรก", "ความสะอาด", "เหม็น", "กวาด", "คราบ"),
    },
    "garbage": {
        "th": "ขยะ",
        "en": "Rubbish",
        "group": "environment",
        "traffy": ("ขยะ",),
        "keywords": ("ขยะ", "ทิ้งขยะ", "เก็บขยะ", "ถังขยะ", "กองขยะ", "รถขยะ"),
    },
    "trees": {
        "th": "ต้นไม้",
        "en": "Trees and verges",
        "group": "environment",
        "traffy": ("ต้นไม้",),
        "keywords": ("ต้นไม้", "กิ่งไม้", "ตัดกิ่ง", "ตัดต้นไม้", "ต้นไม้ล้ม", "หญ้า", "รกร้าง"),
    },
    "noise": {
        "th": "เสียงรบกวน",
        "en": "Noise",
        "group": "environment",
        "traffy": ("เสียงรบกวน", "เสียง"),
        "keywords": ("เสียงดัง", "เสียงรบกวน", "ดนตรี", "คาราโอเกะ", "เครื่องเสียง", "ลำโพง"),
    },
    "pollution": {
        "th": "ฝุ่นควัน&กลิ่น&PM2.5",
        "en": "Dust, smoke and smells",
        "group": "environment",
        "traffy": ("ฝุ่นควัน&กลิ่น&PM2.5", "PM2.5", "ควันดำ", "เผาในที่โล่ง"),
        "keywords": ("ฝุ่น", "ควัน", "กลิ่น", "pm2.5", "เผา", "ควันดำ", "มลพิษ"),
    },
    "animals": {
        "th": "สัตว์",
        "en": "Animals",
        "group": "environment",
        "traffy": ("สัตว์", "สัตว์จรจัด"),
        "keywords": ("สุนัข", "หมา", "แมว", "งู", "สัตว์", "ลิง", "นกพิราบ"),
    },
    "drought": {
        "th": "ภัยแล้ง",
        "en": "Drought",
        "group": "water",
        "traffy": ("ภัยแล้ง",),
        "keywords": ("ภัยแล้ง", "แล้ง", "ขาดน้ำ"),
    },
    "safety": {
        "th": "ความปลอดภัย",
        "en": "Public safety",
        "group": "safety",
        "traffy": ("ความปลอดภัย",),
        "keywords": ("อันตราย", "ความปลอดภัย", "ไม่ปลอดภัย", "อุบัติเหตุ", "มิจฉาชีพ"),
    },
    "risk_spot": {
        "th": "จุดเสี่ยง",
        "en": "Risk spots",
        "group": "safety",
        "traffy": ("จุดเสี่ยง",),
        "keywords": ("จุดเสี่ยง", "เสี่ยง", "เปลี่ยว", "จุดอับ"),
    },
    "crime": {
        "th": "อาชญากรรมและยาเสพติด",
        "en": "Crime and drugs",
        "group": "safety",
        "traffy": ("เบาะแสยาเสพติด",),
        "keywords": ("ยาเสพติด", "ยาบ้า", "มั่วสุม", "ลักขโมย", "โจร", "การพนัน", "บ่อน", "ทำร้ายร่างกาย"),
        "rule": (
            r"(ยาเสพติด|ยาบ้า|ยาไอซ์|ขายยา|มั่วสุม|ลักขโมย|ขโมย|ปล้น|วิ่งราว"
            r"|บ่อนการพนัน|เล่นการพนัน|ทำร้ายร่างกาย)"
        ),
    },
    "fire_equipment": {
        "th": "ถังดับเพลิง/ประปาหัวแดง",
        "en": "Fire extinguishers and hydrants",
        "group": "safety",
        "traffy": ("ถังดับเพลิง/ประปาหัวแดง",),
        "keywords": ("ถังดับเพลิง", "ประปาหัวแดง", "หัวดับเพลิง"),
    },
    "broken_equipment": {
        "th": "อุปกรณ์ชำรุด",
        "en": "Broken public equipment",
        "group": "public buildings",
        "traffy": ("อุปกรณ์ชำรุด",),
        "keywords": ("ชำรุด", "เสียหาย", "พัง", "แตก", "หัก"),
    },
    "damaged_building": {
        "th": "อาคารสถานที่ชำรุด",
        "en": "Damaged public buildings",
        "group": "public buildings",
        "traffy": ("อาคารสถานที่ชำรุด",),
        "keywords": ("อาคาร", "ศาลา", "หลังคา", "รอยร้าว", "ผนัง"),
    },
    "toilets": {
        "th": "ห้องน้ำ",
        "en": "Public toilets",
        "group": "public buildings",
        "traffy": ("ห้องน้ำ",),
        "keywords": ("ห้องน้ำ", "ห้องส้วม", "สุขา"),
    },
    "school": {
        "th": "โรงเรียน",
        "en": "Schools",
        "group": "services",
        "traffy": ("โรงเรียน",),
        "keywords": ("โรงเรียน", "นักเรียน", "ครู"),
    },
    "health": {
        "th": "สุขภาพ & บัตรทอง",
        "en": "Health and universal coverage",
        "group": "services",
        "traffy": ("สุขภาพ & บัตรทอง",),
        "keywords": ("บัตรทอง", "โรงพยาบาล", "ศูนย์สาธารณสุข", "รักษาพยาบาล"),
    },
    "accessibility": {
        "th": "ผู้พิการ+ใช้ล้อ",
        "en": "Accessibility for disabled people and wheelchairs",
        "group": "services",
        "traffy": ("ผู้พิการ+ใช้ล้อ",),
        "keywords": ("ผู้พิการ", "วีลแชร์", "รถเข็น", "ทางลาด"),
    },
    "homeless": {
        "th": "คนเร่ร่อน",
        "en": "Homeless people and beggars",
        "group": "services",
        "traffy": ("คนเร่ร่อน", "คนจรจัด"),
        "keywords": ("คนเร่ร่อน", "คนไร้บ้าน", "คนจรจัด", "ขอทาน"),
    },
    "assistance": {
        "th": "ความช่วยเหลือ",
        "en": "Requests for help",
        "group": "services",
        "traffy": ("ความช่วยเหลือ",),
        "keywords": ("ขอความช่วยเหลือ", "เดือดร้อน", "ยากจน"),
    },
    "service_request": {
        "th": "ขอใช้บริการ",
        "en": "Service requests",
        "group": "services",
        "traffy": ("ขอใช้บริการ",),
        "keywords": ("ขอใช้บริการ", "ขออนุญาต", "ขอรับบริการ"),
    },
    "labour_abroad": {
        "th": "แรงงานไทยในต่างประเทศ",
        "en": "Work abroad and job-seeker fraud",
        "group": "services",
        "traffy": (),
        "keywords": ("ทำงานต่างประเทศ", "แรงงานไทย", "นายหน้าจัดหางาน", "ถูกหลอกไปทำงาน", "จัดหางาน"),
        "rule": (
            r"(ไปทำงาน(ที่|ใน)?ต่างประเทศ|ทำงาน(อยู่)?(ที่|ใน)?ต่างประเทศ|แรงงานไทยใน|นายหน้าจัดหางาน"
            r"|ถูกหลอก(ไป)?ทำงาน|วีซ่าทำงาน)"
        ),
    },
    "corruption": {
        "th": "ทุจริต",
        "en": "Corruption and bribery",
        "group": "governance",
        "traffy": ("ทุจริต", "กรุงเทพโปร่งใส"),
        "keywords": ("ทุจริต", "สินบน", "เรียกเงิน", "คอร์รัปชัน", "ส่วย", "ใต้โต๊ะ"),
    },
    "public_relations": {
        "th": "ประชาสัมพันธ์",
        "en": "Public information",
        "group": "governance",
        "traffy": ("ประชาสัมพันธ์",),
        "keywords": ("ประชาสัมพันธ์", "แจ้งข่าว", "ข่าวสาร"),
    },
    "signs": {
        "th": "ป้าย",
        "en": "Signs, billboards and posters",
        "group": "governance",
        "traffy": ("ป้าย", "ป้ายหาเสียง"),
        "keywords": ("ป้ายโฆษณา", "ป้ายหาเสียง", "แผ่นป้าย", "ไวนิล", "ติดป้าย"),
    },
    OTHER: {"th": "อื่นๆ", "en": "Other", "group": "other", "traffy": ("อื่นๆ",), "keywords": ()},
}

# A Traffy type that is a combination of two categories.
_COMBINED_TYPES = {"ถนน ทางเท้า ที่จอดรถ": ("road", "footpath")}

# The type names found in only one of Traffy's two type lists (decision 0510). A row naming one of
# them was filed under that list; names in both lists (ถนน, ทางเท้า, จราจร…) say nothing. The same
# complaint gets different types under each list (a street light: แสงสว่าง, or ไฟฟ้า + อื่นๆ), so
# the model learns each list's habits and weighs them by how likely a text is to come from each.
TRAFFY_LISTS: dict[str, frozenset[str]] = {
    "older": frozenset(
        [
            "แสงสว่าง",
            "กีดขวาง",
            "ท่อระบายน้ำ",
            "สะพาน",
            "คลอง",
            "ป้าย",
            "เสียงรบกวน",
            "สายไฟ",
            "สัตว์จรจัด",
            "ร้องเรียน",
            "สอบถาม",
            "ป้ายจราจร",
            "คนจรจัด",
            "PM2.5",
            "ห้องน้ำ",
            "การเดินทาง",
        ]
    ),
    "newer": frozenset(
        [
            "อื่นๆ",
            "ไฟฟ้า",
            "จุดเสี่ยง",
            "เสียง",
            "ขยะ",
            "ฝุ่นควัน&กลิ่น&PM2.5",
            "อุปกรณ์ชำรุด",
            "อาคารสถานที่ชำรุด",
            "สัตว์",
            "คนเร่ร่อน",
            "ป้ายหาเสียง",
            "ทุจริต",
            "กรุงเทพโปร่งใส",
            "ประชาสัมพันธ์",
            "สายสื่อสาร",
            "วินมอไซค์",
            "โรงเรียน",
            "ความช่วยเหลือ",
            "ขอใช้บริการ",
            "ภัยแล้ง",
            "เบาะแสยาเสพติด",
            "เผาในที่โล่ง",
            "ควันดำ",
            "แท็กซี่/รถเมล์",
            "ผู้พิการ+ใช้ล้อ",
            "สุขภาพ & บัตรทอง",
            "ถังดับเพลิง/ประปาหัวแดง",
            "ถนน ทางเท้า ที่จอดรถ",
        ]
    ),
}

INTENTS: dict[str, dict[str, str]] = {
    "complaint": {"th": "ร้องเรียน", "en": "Complaint"},
    "suggestion": {"th": "เสนอแนะ", "en": "Suggestion"},
    "question": {"th": "สอบถาม", "en": "Question"},
}

URGENCIES: dict[str, dict[str, str]] = {
    "low": {"th": "ต่ำ", "en": "Low"},
    "normal": {"th": "ปกติ", "en": "Normal"},
    "high": {"th": "สูง", "en": "High"},
    "critical": {"th": "วิกฤต", "en": "Critical"},
}

# Traffy also offers the intents as "types"; they are intents here, not categories.
_TYPE_TO_INTENT = {v["th"]: code for code, v in INTENTS.items()}
_TYPE_TO_CODES: dict[str, tuple[str, ...]] = {
    t: (code,) for code, entry in CATEGORIES.items() for t in entry["traffy"]
} | _COMBINED_TYPES

RULE_PATTERNS: dict[str, re.Pattern[str]] = {
    code: re.compile(entry["rule"]) for code, entry in CATEGORIES.items() if entry.get("rule")
}


def split_types(raw: str | Iterable[str]) -> list[str]:
    """Traffy's comma-separated type field (or a list of types), stripped, empty ones dropped."""
    items = raw.split(",") if isinstance(raw, str) else raw
    return [t.strip() for t in items if t and t.strip()]


def codes_for_traffy_types(raw: str | Iterable[str]) -> tuple[list[str], str | None, list[str]]:
    """(category codes, intent code or None, unknown types) for a Traffy type field.

    This is also the rule by which a complainant's own choice is compared with a prediction: the
    truth of a row is the codes its types map to. Two different intents in one row give no intent.
    """
    codes: list[str] = []
    intents: set[str] = set()
    unknown: list[str] = []
    for t in split_types(raw):
        if t in _TYPE_TO_INTENT:
            intents.add(_TYPE_TO_INTENT[t])
        elif t in _TYPE_TO_CODES:
            codes += [c for c in _TYPE_TO_CODES[t] if c not in codes]
        elif t in CATEGORIES:  # a code given as such (officers' corrections use codes)
            if t not in codes:
                codes.append(t)
        else:
            unknown.append(t)
    return codes, (intents.pop() if len(intents) == 1 else None), unknown


def rule_categories(text: str) -> list[str]:
    """Categories that have no training data yet, found by their patterns in prepared text."""
    return [code for code, pattern in RULE_PATTERNS.items() if pattern.search(text)]


def traffy_list_of(raw: str | Iterable[str]) -> str | None:
    """The Traffy type list ("older" or "newer") a type field was chosen from, when its names say so."""
    names = set(split_types(raw))
    found = [name for name, types in TRAFFY_LISTS.items() if names & types]
    return found[0] if len(found) == 1 else None
