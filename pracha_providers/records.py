"""The three agency systems: what a record holds (a JSON Schema per record) and how records are made.

Every generated person is a function of an index `i` alone, so the civil registry, the Social
Security Office and the Department of Employment agree about person `i` (same ID, same birth date)
without sharing anything: each store is seeded on its own. About 2% of the generated records carry a
deliberate defect (missing field, bad ID checksum, impossible or implausible date, unknown code) so
that the data-quality checks (`pracha.exchange.quality`) have something real to find.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import geothai

from pracha.core.thai_id import make_thai_id

# Generated data is "as of" this day, not of the day it is generated: seeding stays deterministic.
AS_OF = dt.date(2025, 12, 31)
# Generated serials start here, far above the demo citizens' (0020345, 0045678): IDs never collide.
SERIAL_BASE = 5_000_000
DEFECT_RATE = 0.02


def _text(th: str, en: str) -> dict[str, str]:
    return {"th": th, "en": en}


def _field(kind: str | list[str], label: tuple[str, str], classification: str, **extra) -> dict:
    return {"type": kind, "x-label": _text(*label), "x-classification": classification, **extra}


def _date(label: tuple[str, str], classification: str, *, nullable: bool = False, **bounds) -> dict:
    kind: str | list[str] = ["string", "null"] if nullable else "string"
    return _field(kind, label, classification, format="date", **bounds)


_ID = _field(
    "string",
    ("เลขประจำตัวประชาชน", "National ID number"),
    "confidential",
    format="thai-id",
    pattern=r"^\d{13}$",
)

# x-classification follows the government data governance levels: public, internal, confidential,
# secret. Personal data is never public. x-code-list names a code list the quality checks know;
# x-within names a sibling field whose value must prefix this code (DOPA's codes nest: 10 > 1030 > 103001).
POPULATION_RECORD = {
    "type": "object",
    "title": "PopulationRecord",
    "required": [
        "id_number",
        "prefix",
        "first_name",
        "last_name",
        "birth_date",
        "gender",
        "nationality",
        "address",
        "house_registration_no",
        "status",
    ],
    "properties": {
        "id_number": _ID,
        "prefix": _field("string", ("คำนำหน้านาม", "Title"), "confidential", maxLength=40),
        "first_name": _field("string", ("ชื่อ", "First name"), "confidential", maxLength=100),
        "last_name": _field("string", ("ชื่อสกุล", "Last name"), "confidential", maxLength=100),
        "birth_date": _date(
            ("วันเกิด", "Date of birth"), "confidential", **{"x-date-min": "1900-01-01", "x-date-max": "today"}
        ),
        "gender": _field("string", ("เพศ", "Gender"), "confidential", enum=["male", "female"]),
        "nationality": _field(
            "string", ("สัญชาติ", "Nationality"), "confidential", **{"x-code-list": "iso3166-alpha2"}
        ),
        "address": {
            "type": "object",
            "x-label": _text("ที่อยู่ตามทะเบียนบ้าน", "Registered address"),
            "x-classification": "confidential",
            "required": ["house_no", "subdistrict_code", "district_code", "province_code"],
            "properties": {
                "house_no": _field("string", ("บ้านเลขที่", "House number"), "confidential", maxLength=20),
                "moo": _field(["integer", "null"], ("หมู่ที่", "Village no."), "confidential", minimum=1),
                "road": _field(["string", "null"], ("ถนน", "Road"), "confidential", maxLength=100),
                "subdistrict_code": _field(
                    "string",
                    ("รหัสตำบล/แขวง", "Subdistrict code"),
                    "internal",
                    **{"x-code-list": "th-subdistrict", "x-within": "district_code"},
                ),
                "district_code": _field(
                    "string",
                    ("รหัสอำเภอ/เขต", "District code"),
                    "internal",
                    **{"x-code-list": "th-district", "x-within": "province_code"},
                ),
                "province_code": _field(
                    "string", ("รหัสจังหวัด", "Province code"), "internal", **{"x-code-list": "th-province"}
                ),
            },
        },
        "house_registration_no": _field(
            "string", ("เลขรหัสประจำบ้าน", "House registration number"), "confidential", pattern=r"^\d{11}$"
        ),
        "status": _field("string", ("สถานะบุคคล", "Status"), "confidential", enum=["alive", "dead"]),
        "moved_in_at": _date(
            ("วันที่ย้ายเข้า", "Moved in on"),
            "confidential",
            nullable=True,
            **{"x-date-min": "1900-01-01", "x-date-max": "today"},
        ),
    },
}

INSURED_STATUS = {
    "type": "object",
    "title": "InsuredStatus",
    "required": ["id_number", "insured", "section", "contribution_months"],
    "properties": {
        "id_number": _ID,
        "insured": _field("boolean", ("เป็นผู้ประกันตน", "Insured"), "confidential"),
        "section": _field(
            "integer", ("มาตรา", "Section of the Social Security Act"), "confidential", enum=[33, 39, 40]
        ),
        "employer_name": _field(["string", "null"], ("นายจ้าง", "Employer"), "confidential", maxLength=200),
        "employer_id": _field(
            ["string", "null"],
            ("เลขทะเบียนนายจ้าง", "Employer registration number"),
            "internal",
            format="thai-id",
            pattern=r"^\d{13}$",
        ),
        "contribution_months": _field(
            "integer", ("จำนวนเดือนที่ส่งเงินสมทบ", "Months of contributions"), "confidential", minimum=0
        ),
        "last_contribution_month": _field(
            ["string", "null"],
            ("เดือนที่ส่งเงินสมทบล่าสุด", "Last contribution month"),
            "confidential",
            pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        ),
    },
}

_DOE_DATE = {"x-date-min": "1970-01-01", "x-date-max": "today+10y"}
WORKER_ABROAD = {
    "type": "object",
    "title": "WorkerAbroad",
    "required": ["id_number", "country", "job_title", "contract_start", "departure_date", "status"],
    "properties": {
        "id_number": _ID,
        "country": _field(
            "string",
            ("ประเทศที่ไปทำงาน", "Country of work"),
            "confidential",
            **{"x-code-list": "iso3166-alpha2"},
        ),
        "employer_abroad": _field(
            ["string", "null"], ("นายจ้างในต่างประเทศ", "Employer abroad"), "confidential", maxLength=200
        ),
        "job_title": _field("string", ("ตำแหน่งงาน", "Job title"), "confidential", maxLength=200),
        "contract_start": _date(("วันเริ่มสัญญาจ้าง", "Contract start"), "confidential", **_DOE_DATE),
        "contract_end": _date(("วันสิ้นสุดสัญญาจ้าง", "Contract end"), "confidential", nullable=True, **_DOE_DATE),
        "departure_date": _date(
            ("วันเดินทางออก", "Departure date"),
            "confidential",
            **{"x-date-min": "1970-01-01", "x-date-max": "today"},
        ),
        "return_date": _date(
            ("วันเดินทางกลับ", "Return date"),
            "confidential",
            nullable=True,
            **{"x-date-min": "1970-01-01", "x-date-max": "today"},
        ),
        "status": _field(
            "string",
            ("สถานะ", "Status"),
            "confidential",
            enum=["abroad", "returned", "missing_contact"],
        ),
    },
}


# --- People ---------------------------------------------------------------------------------------

_MALE = "สมชาย สมศักดิ์ วิชัย ประเสริฐ สุชาติ อนันต์ ธนากร กิตติพงษ์ ณัฐพล พงศกร ศุภชัย อภิชาติ ชัยวัฒน์ ปิยะ วีระ"
_FEMALE = "มาลี สุดารัตน์ วันเพ็ญ กาญจนา ปราณี รัตนา ศิริพร อรุณี นภา จันทร์เพ็ญ พิมพ์ชนก ธิดารัตน์ สุภาพร ลำดวน อัญชลี"
_SURNAMES = (
    "ใจดี ศรีสุข แสงทอง บุญมา ทองดี สุขสวัสดิ์ วงศ์ใหญ่ พรหมมา ชัยมงคล ศรีวงศ์ มณีรัตน์ "
    "สายทอง บุญเรือง จันทร์หอม แก้วประเสริฐ รุ่งเรือง นาคสวัสดิ์ ทองคำ พันธุ์ดี เพชรงาม"
)
_ROADS = ("พหลโยธิน", "สุขุมวิท", "มิตรภาพ", "เพชรเกษม", "รามคำแหง", "ลาดพร้าว", "ประชาอุทิศ")
MALE_NAMES, FEMALE_NAMES, SURNAMES = _MALE.split(), _FEMALE.split(), _SURNAMES.split()


@cache
def subdistricts() -> tuple[tuple[str, str, str], ...]:
    """Every (subdistrict, district, province) code in DOPA's list as geothai ships it."""
    return tuple(
        (s.code, d.code, p.code)
        for p in geothai.provinces()
        for d in geothai.districts(p.code)
        for s in geothai.subdistricts(d.code)
    )


def _random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(max(1, (end - start).days)))


@dataclass(frozen=True)
class Person:
    """What every agency knows of person i: the civil registry holds the full record."""

    id_number: str
    gender: str
    birth_date: dt.date
    first_name: str
    last_name: str
    address: tuple[str, str, str]  # subdistrict, district, province codes


def person(i: int) -> tuple[Person, random.Random]:
    """Person i, and the generator that made them: the agency's own record continues from it."""
    rng = random.Random(i)
    gender = rng.choice(("male", "female"))
    # Every fourth person is of working age: the Department of Employment's people are drawn from them.
    latest = dt.date(2003, 12, 31) if i % 4 == 0 else dt.date(2020, 12, 31)
    birth = _random_date(rng, dt.date(1940, 1, 1), latest)
    address = rng.choice(subdistricts())
    # Digit 1 is the kind of person (3: in a house register before 1984, 1: born after and registered
    # in time); digits 2-5 the registrar office (a district); the rest a serial within the office.
    office = address[1] if rng.random() < 0.6 else rng.choice(subdistricts())[1]
    kind = "1" if birth.year >= 1984 else "3"
    names = MALE_NAMES if gender == "male" else FEMALE_NAMES
    made = Person(
        id_number=make_thai_id(f"{kind}{office}{SERIAL_BASE + i:07d}"),
        gender=gender,
        birth_date=birth,
        first_name=rng.choice(names),
        last_name=rng.choice(SURNAMES),
        address=address,
    )
    return made, rng


def _prefix(p: Person, rng: random.Random) -> str:
    age = (AS_OF - p.birth_date).days // 365
    if p.gender == "male":
        return "เด็กชาย" if age < 15 else "นาย"
    return "เด็กหญิง" if age < 15 else rng.choice(("นาง", "นางสาว"))


def population_record(i: int) -> dict:
    p, rng = person(i)
    sub, district, province = p.address
    moved_in = _random_date(rng, max(p.birth_date, dt.date(1985, 1, 1)), AS_OF)
    return {
        "id_number": p.id_number,
        "prefix": _prefix(p, rng),
        "first_name": p.first_name,
        "last_name": p.last_name,
        "birth_date": p.birth_date.isoformat(),
        "gender": p.gender,
        "nationality": "TH",
        "address": {
            "house_no": f"{rng.randint(1, 999)}" + (f"/{rng.randint(1, 30)}" if rng.random() < 0.3 else ""),
            "moo": None if province == "10" else rng.randint(1, 15),
            "road": rng.choice(_ROADS) if rng.random() < 0.4 else None,
            "subdistrict_code": sub,
            "district_code": district,
            "province_code": province,
        },
        "house_registration_no": f"{district}{rng.randrange(10**6):06d}{rng.randrange(10)}",
        "status": "dead" if rng.random() < 0.03 else "alive",
        "moved_in_at": moved_in.isoformat(),
    }


_EMPLOYERS = tuple(
    (name, make_thai_id(f"0105{5_400_000 + n * 7919:08d}"))
    for n, name in enumerate(
        (
            "บริษัท สยามอาหารแช่แข็ง จำกัด",
            "บริษัท ไทยการทอ จำกัด",
            "บริษัท ขนส่งจตุจักร จำกัด",
            "บริษัท อีสเทิร์นซีบอร์ดชิ้นส่วนยานยนต์ จำกัด (มหาชน)",
            "บริษัท เชียงใหม่ซอฟต์แวร์ จำกัด",
            "ห้างหุ้นส่วนจำกัด ก่อสร้างรุ่งเรือง",
            "บริษัท ค้าปลีกพัฒนา จำกัด (มหาชน)",
            "โรงพยาบาลเอกชนสุขภาพดี",
        )
    )
)


def _month(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def insured_status(i: int) -> dict:
    p, rng = person(i)
    roll = rng.random()
    section = 33 if roll < 0.6 else 39 if roll < 0.8 else 40
    insured = rng.random() < 0.95
    employer = rng.choice(_EMPLOYERS) if section == 33 else (None, None)
    # Nobody contributes before 15: the months are bounded by the person's working life.
    working_months = max(1, ((AS_OF - p.birth_date).days // 365 - 15) * 12)
    last = AS_OF - dt.timedelta(days=15 if insured else rng.randint(200, 3000))
    return {
        "id_number": p.id_number,
        "insured": insured,
        "section": section,
        "employer_name": employer[0],
        "employer_id": employer[1],
        "contribution_months": rng.randint(1, min(working_months, 420)),
        "last_contribution_month": _month(last),
    }


# (country, job, employer): the usual destinations of Thai workers, Taiwan and Korea most often.
_JOBS = (
    ("TW", "Production operator", "Hsinchu Precision Electronics Co., Ltd."),
    ("TW", "Production operator", "Taichung Machinery Works Co., Ltd."),
    ("TW", "Construction worker", "Kaohsiung Harbour Engineering Co."),
    ("KR", "Construction worker", "Hanil Construction Co."),
    ("KR", "Factory worker", "Ansan Auto Parts Co., Ltd."),
    ("IL", "Agricultural worker", "Negev Fresh Farms Ltd."),
    ("JP", "Caregiver", "Sakura Care Home K.K."),
    ("MY", "Cook", "Penang Thai Kitchen Sdn. Bhd."),
    ("SG", "Cook", "Marina Bay Thai Kitchen Pte. Ltd."),
    ("AE", "Welder", "Gulf Steel Fabrication LLC"),
    ("SE", "Berry picker", "Nordic Berries AB"),
)


def worker_abroad(i: int) -> dict:
    p, rng = person(i)
    start = _random_date(rng, max(dt.date(2005, 1, 1), p.birth_date + dt.timedelta(days=18 * 366)), AS_OF)
    end = start + dt.timedelta(days=365 * rng.choice((1, 2, 3)))
    country, job, employer = rng.choice(_JOBS)
    status = "abroad"
    if end <= AS_OF:
        status = "missing_contact" if rng.random() < 0.04 else "returned"
    return {
        "id_number": p.id_number,
        "country": country,
        "employer_abroad": employer,
        "job_title": job,
        "contract_start": start.isoformat(),
        "contract_end": end.isoformat(),
        "departure_date": (start - dt.timedelta(days=rng.randint(1, 10))).isoformat(),
        "return_date": (end + dt.timedelta(days=rng.randint(0, 20))).isoformat()
        if status == "returned"
        else None,
        "status": status,
    }


# --- Deliberate defects ---------------------------------------------------------------------------


def _bad_checksum(number: str) -> str:
    return number[:12] + str((int(number[12]) + 1) % 10)


def _defects(record: dict, schema: dict) -> list[Callable[[dict], None]]:
    """The ways one record of this schema can be spoilt, each a change made in place."""
    props = schema["properties"]
    required = [f for f in schema["required"] if f != "id_number"]
    dates = [f for f, s in props.items() if s.get("format") == "date"]

    def missing(r: dict) -> None:
        r[required[len(r["id_number"]) % len(required)]] = None

    def bad_id(r: dict) -> None:
        r["id_number"] = _bad_checksum(r["id_number"])

    def short_id(r: dict) -> None:
        r["id_number"] = r["id_number"][:12]

    def impossible_date(r: dict) -> None:
        r[dates[0]] = "2567-02-30"  # a Buddhist-era year typed as Gregorian, and no 30 February

    def other_format_date(r: dict) -> None:
        r[dates[-1]] = "31/12/2540"

    def future_date(r: dict) -> None:
        r[dates[0]] = "2099-01-01"

    found = [missing, bad_id, short_id]
    if dates:
        found += [impossible_date, other_format_date, future_date]
    if "address" in record:

        def unknown_code(r: dict) -> None:
            r["address"] = {**r["address"], "subdistrict_code": "109999"}

        def district_elsewhere(r: dict) -> None:
            r["address"] = {**r["address"], "district_code": "5001"}

        found += [unknown_code, district_elsewhere]
    if "last_contribution_month" in record:

        def bad_month(r: dict) -> None:
            r["last_contribution_month"] = "2025-13"

        found.append(bad_month)
    if "country" in record:

        def unknown_country(r: dict) -> None:
            r["country"] = "Taiwan"

        found.append(unknown_country)
    return found


def with_defects(make: Callable[[int], dict], schema: dict, salt: int) -> Callable[[int], dict]:
    """`make` with about DEFECT_RATE of its records spoilt, the same ones on every run."""

    def made(i: int) -> dict:
        record = make(i)
        # A multiplicative hash, not the person's generator: which records are spoilt does not depend
        # on their content, and costs no second generator per record.
        h = (i * 0x9E3779B1 + salt * 0x85EBCA77) & 0xFFFFFFFF
        if h % 10_000 < DEFECT_RATE * 10_000:
            defects = _defects(record, schema)
            defects[(h >> 16) % len(defects)](record)
        return record

    return made


# --- The three systems ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    service_code: str
    agency_code: str
    title: dict[str, str]
    schema: dict
    make: Callable[[int], dict]
    # Which people hold a record here: the k-th record is about person person_of(k).
    person_of: Callable[[int], int]
    demo: tuple[dict, ...]

    def records(self, count: int) -> Iterator[dict]:
        """The demo citizens' records, then generated ones: `count` in all (the demo ones first)."""
        yield from self.demo[:count]
        for k in range(max(0, count - len(self.demo))):
            yield self.make(self.person_of(k))


SOMCHAI, MALEE = "1101700203450", "3100600456785"

_DEMO_POPULATION = (
    {
        "id_number": SOMCHAI,
        "prefix": "นาย",
        "first_name": "สมชาย",
        "last_name": "ใจดี",
        "birth_date": "1987-03-14",
        "gender": "male",
        "nationality": "TH",
        "address": {
            "house_no": "48/12",
            "moo": None,
            "road": "พหลโยธิน",
            "subdistrict_code": "103001",
            "district_code": "1030",
            "province_code": "10",
        },
        "house_registration_no": "10300125487",
        "status": "alive",
        "moved_in_at": "2015-06-01",
    },
    {
        "id_number": MALEE,
        "prefix": "นางสาว",
        "first_name": "มาลี",
        "last_name": "ศรีสุข",
        "birth_date": "1979-08-22",
        "gender": "female",
        "nationality": "TH",
        "address": {
            "house_no": "9",
            "moo": None,
            "road": "รามคำแหง",
            "subdistrict_code": "100601",
            "district_code": "1006",
            "province_code": "10",
        },
        "house_registration_no": "10060087341",
        "status": "alive",
        "moved_in_at": "2008-11-20",
    },
)

_DEMO_INSURED = (
    {
        "id_number": SOMCHAI,
        "insured": True,
        "section": 33,
        "employer_name": _EMPLOYERS[2][0],
        "employer_id": _EMPLOYERS[2][1],
        "contribution_months": 45,
        "last_contribution_month": "2025-11",
    },
    {
        "id_number": MALEE,
        "insured": True,
        "section": 39,
        "employer_name": None,
        "employer_id": None,
        "contribution_months": 140,
        "last_contribution_month": "2025-11",
    },
)

_DEMO_ABROAD = (
    {
        "id_number": SOMCHAI,
        "country": "TW",
        "employer_abroad": "Hsinchu Precision Electronics Co., Ltd.",
        "job_title": "Production operator",
        "contract_start": "2019-02-01",
        "contract_end": "2022-01-31",
        "departure_date": "2019-01-28",
        "return_date": "2022-02-03",
        "status": "returned",
    },
    {
        "id_number": MALEE,
        "country": "JP",
        "employer_abroad": "Sakura Care Home K.K.",
        "job_title": "Caregiver",
        "contract_start": "2024-04-01",
        "contract_end": "2027-03-31",
        "departure_date": "2024-03-25",
        "return_date": None,
        "status": "abroad",
    },
)

PROVIDERS: dict[str, ProviderSpec] = {
    spec.name: spec
    for spec in (
        ProviderSpec(
            name="civil_registry",
            service_code="dopa.population_record",
            agency_code="MOI.DOPA",
            title=_text("ทะเบียนราษฎร กรมการปกครอง", "DOPA civil registry: population record"),
            schema=POPULATION_RECORD,
            make=with_defects(population_record, POPULATION_RECORD, salt=1),
            person_of=lambda k: k,
            demo=_DEMO_POPULATION,
        ),
        ProviderSpec(
            name="sso",
            service_code="sso.insured_status",
            agency_code="MOL.SSO",
            title=_text("สถานะผู้ประกันตน สำนักงานประกันสังคม", "Social Security Office: insured-person status"),
            schema=INSURED_STATUS,
            make=with_defects(insured_status, INSURED_STATUS, salt=2),
            # Three people in four have ever been insured.
            person_of=lambda k: k + k // 3,
            demo=_DEMO_INSURED,
        ),
        ProviderSpec(
            name="doe_abroad",
            service_code="doe.worker_abroad",
            agency_code="MOL.DOE",
            title=_text("ทะเบียนแรงงานไทยไปทำงานต่างประเทศ กรมการจัดหางาน", "DOE registry of workers abroad"),
            schema=WORKER_ABROAD,
            make=with_defects(worker_abroad, WORKER_ABROAD, salt=3),
            # One person in four has worked abroad.
            person_of=lambda k: 4 * k,
            demo=_DEMO_ABROAD,
        ),
    )
}
