"""pracha load-processes: store each definition once per content; refuse broken files."""

import io

import pytest
from django.core.management import CommandError, call_command

from pracha.workflow import registry
from pracha.workflow.models import ProcessVersion

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("load_processes", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_load_twice_stores_one_version():
    out, _ = run()
    assert "petition: new version " in out
    out, _ = run()
    assert "petition: unchanged " in out and "new version" not in out
    row = ProcessVersion.objects.get(code="petition")
    assert row.current and len(row.version) == 64 and row.definition["initial_state"] == "received"


def test_broken_definition_is_refused_with_file_path_and_reason(tmp_path):
    (tmp_path / "bad.yaml").write_text(
        "code: bad\nname: {th: เสีย, en: Broken}\ninitial_state: nowhere\n"
        "states:\n  a: {name: {th: ก, en: A}, final: true}\n  b: {name: {th: ข, en: B}, final: true}\n",
        encoding="utf-8",
    )
    registry.register_process_dir(tmp_path)
    err = io.StringIO()
    try:
        with pytest.raises(CommandError) as caught:
            call_command("load_processes", stderr=err)
    finally:
        registry._dirs.remove(tmp_path.resolve())
    assert "1 problem(s)" in str(caught.value)
    expected = f"{tmp_path / 'bad.yaml'}: initial_state: state “nowhere” is not defined under states"
    assert err.getvalue().strip() == expected
    assert not ProcessVersion.objects.exists()  # nothing stored, not even the good petition


def test_warns_about_units_that_do_not_exist(tmp_path):
    (tmp_path / "move.yaml").write_text(
        "code: move\nname: {th: ย้าย, en: Move}\ninitial_state: a\n"
        "states:\n"
        "  a:\n    name: {th: ก, en: A}\n    time_limit: {amount: 1, unit: hours}\n"
        "    on_breach: [{escalate: {contact_point: NOWHERE/x}}]\n"
        "    actions: {go: {to: b, roles: [case_officer], label: {th: ไป, en: Go}}}\n"
        "  b: {name: {th: ข, en: B}, final: true}\n",
        encoding="utf-8",
    )
    registry.register_process_dir(tmp_path)
    try:
        out, err = run()
    finally:
        registry._dirs.remove(tmp_path.resolve())
    assert "move: new version" in out
    assert "unknown unit NOWHERE/x" in err
