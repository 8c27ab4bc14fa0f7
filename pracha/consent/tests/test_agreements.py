"""Agreement files: precise problems (file, field path, reason) and PDPA rules."""

import shutil
import textwrap
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pracha.consent.agreements import AGREEMENTS_DIR, load_agreements, validate_file
from pracha.consent.models import DataAgreement
from pracha.workflow.definitions import DefinitionError

GOOD = """
code: test.sample
version: 1
title: {th: ทดสอบ, en: Test}
purpose: {th: เพื่อทดสอบ, en: To test}
lawful_basis: consent
data_categories:
  - code: identity
    name: {th: ชื่อ, en: Name}
    sensitivity: personal
retention: {amount: 1, unit: years}
controller: MOI.DOPA
recipients: [MOL]
withdrawable: true
withdrawal_effect: {th: หยุดใช้, en: Stops}
"""


def write(tmp_path: Path, text: str, name: str = "test.sample.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def reasons(path: Path) -> dict[str, str]:
    return {p.path: p.reason for p in validate_file(path)}


def test_shipped_files_are_valid():
    files = sorted(AGREEMENTS_DIR.glob("*.yaml"))
    assert len(files) == 5
    assert [p for f in files for p in validate_file(f)] == []


def test_a_good_file_has_no_problems(tmp_path):
    assert validate_file(write(tmp_path, GOOD)) == []


def test_schema_problems_name_the_field(tmp_path):
    text = GOOD.replace("sensitivity: personal", "sensitivity: secret").replace("unit: years", "unit: weeks")
    text = text.replace("title: {th: ทดสอบ, en: Test}", "title: {th: ทดสอบ}")
    found = reasons(write(tmp_path, text))
    assert found["data_categories[0].sensitivity"] == "'secret' is not one of ['personal', 'sensitive']"
    assert found["retention.unit"] == "'weeks' is not one of ['days', 'months', 'years']"
    assert found["title"] == "'en' is a required property"


def test_yaml_errors_and_duplicate_keys(tmp_path):
    problems = validate_file(write(tmp_path, GOOD + "version: 2\n"))
    assert len(problems) == 1 and "key 'version' is given twice" in problems[0].reason
    assert problems[0].path.startswith("line ")


def test_pdpa_rules(tmp_path):
    not_withdrawable = GOOD.replace("withdrawable: true", "withdrawable: false")
    assert reasons(write(tmp_path, not_withdrawable))["withdrawable"].startswith(
        "consent can always be withdrawn"
    )
    no_law = GOOD.replace("lawful_basis: consent", "lawful_basis: public_task")
    assert "must name the law" in reasons(write(tmp_path, no_law))["legal_reference"]
    sensitive = GOOD.replace("sensitivity: personal", "sensitivity: sensitive")
    assert "is sensitive (PDPA s.26)" in reasons(write(tmp_path, sensitive))["lawful_basis"]
    explicit = sensitive.replace("lawful_basis: consent", "lawful_basis: explicit_consent")
    assert validate_file(write(tmp_path, explicit)) == []
    needless = GOOD.replace("lawful_basis: consent", "lawful_basis: explicit_consent")
    assert "no category is" in reasons(write(tmp_path, needless))["lawful_basis"]
    assert (
        reasons(write(tmp_path, GOOD, "other.name.yaml"))["code"] == "the file must be named test.sample.yaml"
    )
    too_new = GOOD.replace("version: 1", "version: 1\nmin_consent_version: 2")
    assert (
        reasons(write(tmp_path, too_new))["min_consent_version"] == "cannot be above the agreement's version"
    )


def test_load_checks_agencies_and_versions(tmp_path, agencies):
    path = write(tmp_path, GOOD.replace("recipients: [MOL]", "recipients: [MOL, NOPE]"))
    with pytest.raises(DefinitionError) as err:
        load_agreements(tmp_path)
    assert [(p.path, p.reason) for p in err.value.problems] == [
        ("recipients[1]", "there is no agency with code “NOPE” (load the agencies first)")
    ]
    assert not DataAgreement.objects.exists()
    write(tmp_path, GOOD)
    assert load_agreements(tmp_path).loaded == ["test.sample v1"]
    # Changing the content without raising the version is refused; raising it stores a new version.
    write(tmp_path, GOOD.replace("To test", "To test more"))
    with pytest.raises(DefinitionError, match="version 1 is already loaded with other content"):
        load_agreements(tmp_path)
    write(tmp_path, GOOD.replace("To test", "To test more").replace("version: 1", "version: 2"))
    assert load_agreements(tmp_path).loaded == ["test.sample v2"]
    assert sorted(DataAgreement.objects.values_list("version", flat=True)) == [1, 2]
    assert path.exists()


def test_command(tmp_path, agencies, capsys):
    shutil.copy(AGREEMENTS_DIR / "eservice.sso.insured_status.yaml", tmp_path)
    call_command("load_agreements", "--check", "--dir", str(tmp_path))
    assert "1 agreement files are valid" in capsys.readouterr().out
    call_command("load_agreements", "--dir", str(tmp_path))
    assert "1 agreement versions loaded, 0 unchanged" in capsys.readouterr().out
    write(tmp_path, GOOD.replace("lawful_basis: consent", "lawful_basis: maybe"), "test.sample.yaml")
    with pytest.raises(CommandError, match=r"test.sample.yaml: lawful_basis: 'maybe' is not one of"):
        call_command("load_agreements", "--check", "--dir", str(tmp_path))
