"""The definition validator: every broken file is refused with its file, path and reason."""

import textwrap

import pytest

from pracha.workflow.definitions import DefinitionError, parse_file, validate
from pracha.workflow.registry import OWN_DIR, load_all

GOOD = """
code: sample
name: {th: ตัวอย่าง, en: Sample}
initial_state: received
time_limit: {amount: 15, unit: days}
states:
  received:
    name: {th: รับเรื่อง, en: Received}
    time_limit: {amount: 1, unit: working_days}
    alert_before: {amount: 2, unit: working_hours}
    on_breach:
      - alert: [supervisor]
      - escalate: supervisor
      - escalate: {contact_point: DLA/main}
    actions:
      accept:
        to: done
        roles: [case_officer]
        label: {th: รับ, en: Accept}
  done:
    name: {th: เสร็จ, en: Done}
    final: true
"""


def write(tmp_path, text: str, name: str = "sample.yaml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def problems_of(tmp_path, text: str) -> list[tuple[str, str]]:
    path = write(tmp_path, text)
    with pytest.raises(DefinitionError) as caught:
        parse_file(path)
    assert all(p.file == str(path) for p in caught.value.problems)
    return [(p.path, p.reason) for p in caught.value.problems]


def test_the_sample_and_the_shipped_petition_are_valid(tmp_path):
    definition = parse_file(write(tmp_path, GOOD))
    assert definition.states["received"].on_breach[2].move_to == "DLA/main"
    petition = load_all()["petition"][1]
    assert petition.initial_state == "received"
    assert {s for s, st in petition.states.items() if st.final} == {"completed", "not_accepted", "withdrawn"}
    assert petition.states["awaiting_info"].pause_case_clock


def test_unknown_initial_state(tmp_path):
    text = GOOD.replace("initial_state: received", "initial_state: recieved")
    assert ("initial_state", "state “recieved” is not defined under states") in problems_of(tmp_path, text)


def test_action_to_a_missing_state(tmp_path):
    text = GOOD.replace("to: done", "to: finished")
    assert problems_of(tmp_path, text) == [
        ("states.received.actions.accept.to", "state “finished” is not defined under states")
    ]


def test_unknown_role_in_action_and_in_alert(tmp_path):
    text = GOOD.replace("roles: [case_officer]", "roles: [case_officer, clerk]").replace(
        "alert: [supervisor]", "alert: [supervisor, applicant]"
    )
    found = dict(problems_of(tmp_path, text))
    assert found["states.received.actions.accept.roles[1]"].startswith("“clerk” is not a role")
    # The applicant may take actions but is no officer to alert.
    assert found["states.received.on_breach[0].alert[1]"].startswith("“applicant” is not an officer role")


def test_final_state_with_actions(tmp_path):
    text = GOOD + textwrap.indent(
        "actions:\n  reopen: {to: received, roles: [supervisor], label: {th: เปิด, en: Reopen}}\n", "    "
    )
    assert ("states.done.actions", "a final state cannot have actions") in problems_of(tmp_path, text)


def test_unreachable_state_and_dead_end(tmp_path):
    orphan = (
        "  orphan:\n"
        "    name: {th: ลอย, en: Orphan}\n"
        "    actions:\n"
        "      loop: {to: orphan, roles: [case_officer], label: {th: วน, en: Loop}}\n"
    )
    found = problems_of(tmp_path, GOOD + orphan)
    assert ("states.orphan", "no action leads here from the initial state “received”") in found
    # Reachable but stuck: from "stuck" no path leads to a final state.
    stuck = GOOD.replace("to: done", "to: stuck") + orphan.replace("orphan", "stuck")
    assert sorted(problems_of(tmp_path, stuck)) == [
        ("states.received", "no final state can be reached from here"),
        ("states.stuck", "no final state can be reached from here"),
    ]


def test_schema_errors_name_the_path(tmp_path):
    text = GOOD.replace("unit: working_hours", "unit: fortnights").replace(
        "name: {th: ตัวอย่าง, en: Sample}\n", ""
    )
    found = problems_of(tmp_path, text)
    assert ("", "'name' is a required property") in found
    path, reason = next(p for p in found if p[0].endswith("unit"))
    assert path == "states.received.alert_before.unit"
    assert "fortnights" in reason


def test_bad_breach_step_points_into_the_list(tmp_path):
    text = GOOD.replace("- escalate: supervisor", "- escalate: director")
    assert problems_of(tmp_path, text) == [
        ("states.received.on_breach[1].escalate", "'supervisor' was expected")
    ]


def test_alert_before_needs_a_shorter_time_limit(tmp_path):
    text = GOOD.replace("{amount: 2, unit: working_hours}", "{amount: 3, unit: working_days}")
    assert problems_of(tmp_path, text) == [
        ("states.received.alert_before", "must be shorter than the time limit")
    ]


def test_reserved_action_name(tmp_path):
    text = GOOD.replace("      accept:", "      transfer:")
    found = problems_of(tmp_path, text)
    assert ("states.received.actions.transfer", "“transfer” is reserved for the engine's own events") in found


def test_duplicate_key_and_bad_yaml_give_the_line(tmp_path):
    text = GOOD.replace("  done:\n", "  received:\n    name: {th: ซ้ำ, en: Again}\n  done:\n")
    ((path, reason),) = problems_of(tmp_path, text)
    assert path.startswith("line ")
    assert "'received' is given twice" in reason
    ((path, reason),) = problems_of(tmp_path, "code: [unclosed\n")
    assert path.startswith("line 2") and reason.startswith("not valid YAML")


def test_not_a_mapping(tmp_path):
    assert problems_of(tmp_path, "- just\n- a list\n") == [("", "['just', 'a list'] is not of type 'object'")]


def test_validate_reports_every_problem_at_once():
    import yaml

    data = yaml.safe_load(
        GOOD.replace("to: done", "to: nowhere").replace("roles: [case_officer]", "roles: [x]")
    )
    paths = {p.path for p in validate(data, "inline")}
    assert paths == {"states.received.actions.accept.to", "states.received.actions.accept.roles[0]"}


def test_duplicate_codes_across_directories(tmp_path):
    from pracha.workflow import registry

    write(tmp_path, GOOD.replace("code: sample", "code: petition"), "copy.yaml")
    registry.register_process_dir(tmp_path)
    try:
        with pytest.raises(DefinitionError) as caught:
            registry.load_all()
    finally:
        registry._dirs.remove(tmp_path.resolve())
    (problem,) = caught.value.problems
    assert problem.path == "code" and str(OWN_DIR / "petition.yaml") in problem.reason
    assert str(problem).startswith(str(tmp_path / "copy.yaml") + ": code: process “petition”")


def test_entry_states_must_exist_and_not_be_final(tmp_path):
    from pracha.workflow.definitions import DefinitionError, parse_file

    path = tmp_path / "p.yaml"
    path.write_text(
        "code: entry.test\nname: {th: ก, en: P}\ninitial_state: a\nentry_states: [nowhere, done]\n"
        "states:\n  a:\n    name: {th: ก, en: A}\n    actions:\n"
        "      finish: {to: done, roles: [case_officer], label: {th: ก, en: F}}\n"
        "  done:\n    name: {th: ข, en: D}\n    final: true\n",
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError) as caught:
        parse_file(path)
    text = str(caught.value)
    assert "entry_states[0]" in text and "nowhere" in text
    assert "entry_states[1]" in text and "final" in text
