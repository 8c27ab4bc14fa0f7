"""Urgency rules (no model needed): levels, negation, risk and past, the misfires found in the data."""

import pytest

from pracha.complaints.classifier.text import prepare
from pracha.complaints.classifier.urgency import assess

COMPLAINT = ("complaint", 0.95)


def urgency(text: str, categories=(), intent=COMPLAINT) -> tuple[str, float, tuple[str, ...]]:
    return assess(prepare(text), list(categories) or [("other", 0.2)], intent)


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("ไฟไหม้บ้านในซอยลาดพร้าว 101 ควันเต็มไปหมด", "fire"),
        ("เสาไฟฟ้าหน้าตลาดมีไฟรั่ว เดินผ่านแล้วโดนไฟดูด", "live_wire"),
        ("ได้กลิ่นแก๊สรั่วแรงมากจากร้านอาหารหัวมุม", "gas_leak"),
        ("กำแพงวัดถล่มลงมาบนทางเท้า", "collapse"),
    ],
)
def test_danger_to_life_now_is_critical(text, cue):
    level, confidence, reasons = urgency(text)
    assert level == "critical"
    assert cue in reasons
    assert 0.5 <= confidence <= 1.0


@pytest.mark.parametrize(
    ("text", "cue"),
    [
        ("สายไฟขาดห้อยลงมาเกือบถึงพื้น", "fallen_wire"),
        ("ต้นไม้ใหญ่ล้มขวางถนนทั้งสองเลน", "fallen_tree"),
        ("ฝาท่อหายไปเป็นหลุมกลางถนน", "open_manhole"),
        ("ฝนตกทีไรน้ำท่วมเข้าบ้านทุกครั้ง", "flood_home"),
        ("รถขายของจอดขวางจนรถพยาบาลเข้าไม่ได้", "emergency_route"),
        ("ไฟจราจรที่แยกดับมาสองวันแล้ว", "traffic_light_out"),
    ],
)
def test_likely_harm_is_high(text, cue):
    level, _, reasons = urgency(text)
    assert level == "high"
    assert cue in reasons


@pytest.mark.parametrize(
    "text",
    [
        "ไม่มีไฟไหม้แต่ควันจากการเผาขยะเยอะมาก",  # negated
        "สายไฟรกมาก หากเกิดไฟไหม้จะลำบาก",  # a risk, not a fire
        "เมื่อวันที่ 26 มีเหตุเพลิงไหม้ในซอย อยากให้เปลี่ยนประปาหัวแดงที่เก่ามาก",  # past
        "เก็บซากรถไฟไหม้ที่จอดทิ้งไว้",  # a wreck
        "น้ำในคลองส่งกลิ่นเหม็นคล้ายกลิ่นแก๊สไข่เน่า",  # sewage
    ],
)
def test_risks_past_events_and_lookalikes_are_not_critical(text):
    assert urgency(text)[0] != "critical"


def test_dengue_is_not_an_injury():
    assert "injury" not in urgency("ยุงเยอะมากกลัวไข้เลือดออกระบาด")[2]


def test_weak_cues_need_other_evidence():
    assert urgency("ทางเท้าแคบ อันตราย")[0] == "normal"
    level, _, reasons = urgency("ทางเท้าแคบ อันตราย", categories=[("risk_spot", 0.9), ("safety", 0.8)])
    assert level == "high" and "danger_word" in reasons and "category:risk_spot" in reasons


def test_a_suggestion_or_question_without_danger_is_low():
    assert urgency("อยากให้มีม้านั่งในสวนเพิ่ม", intent=("suggestion", 0.8))[0] == "low"
    assert urgency("สอบถามเวลาเปิดสวนค่ะ", intent=("question", 0.7))[0] == "low"
    # Danger outranks intent: a question about a fire is still critical.
    assert urgency("ไฟไหม้ในซอย จะมีคนมาไหมคะ", intent=("question", 0.7))[0] == "critical"


def test_ordinary_complaints_are_normal_and_confidence_follows_the_danger():
    plain = urgency("ถนนในซอยสกปรก ไม่มีคนมากวาด")
    risky = urgency("ถนนในซอยสกปรก อันตราย")
    assert plain[0] == risky[0] == "normal"
    assert plain[1] > risky[1]
