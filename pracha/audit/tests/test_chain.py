"""The audit hash chain: appending, and detecting every kind of tampering with raw SQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from pracha.audit import chain
from pracha.audit.chain import GENESIS, Entry, append_many, record, record_read, verify
from pracha.audit.models import AuditHead, AuditRecord
from pracha.testing import in_threads, needs_postgres

pytestmark = pytest.mark.django_db


def sql(statement: str, params: list | None = None) -> int:
    """Tamper with the log the way someone with database access would: raw SQL, no model code."""
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.rowcount


@pytest.fixture
def five() -> list[AuditRecord]:
    return [
        record("case.transition", ("workflow.case", str(n)), {"step": n}, actor="user:7") for n in range(5)
    ]


def test_appended_records_link_up_and_verify(five):
    assert [r.seq for r in five] == [1, 2, 3, 4, 5]
    assert five[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(five))
    assert AuditHead.objects.get(pk=1).seq == 5 and AuditHead.objects.get(pk=1).hash == five[-1].hash
    assert verify() == chain.VerifyResult(True, 5)


def test_what_is_stored_is_what_was_returned_and_hashed(five):
    stored = AuditRecord.objects.get(seq=3)
    assert (stored.at, stored.actor, stored.action, stored.data, stored.hash) == (
        five[2].at,  # to the microsecond
        "user:7",
        "case.transition",
        '{"step":2}',
        five[2].hash,
    )
    assert (stored.object_type, stored.object_id) == ("workflow.case", "2")


def test_the_hash_is_sha256_of_the_documented_fields():
    # The format is fixed: changing it would break every chain already written.
    at = dt.datetime(2026, 11, 24, 2, 30, 0, 123456, tzinfo=dt.UTC)
    stamp = int(at.timestamp()) * 1_000_000 + 123456
    text = f"7\x1f{stamp}\x1fuser:1\x1fcase.opened\x1fworkflow.case\x1f42\x1f{{}}\x1f{'a' * 64}"
    expected = hashlib.sha256(text.encode()).hexdigest()
    assert (
        chain.record_hash(7, at, "user:1", "case.opened", "workflow.case", "42", "{}", "a" * 64) == expected
    )


def test_data_is_canonical_json():
    rec = record("x.y", ("t", "1"), {"b": 2, "a": "ไทย", "when": dt.date(2026, 11, 24)})
    assert rec.data == '{"a":"ไทย","b":2,"when":"2026-11-24"}'
    assert record("x.y", ("t", "2")).data == "{}"


def test_actor_comes_from_the_request_or_command_unless_given():
    token = chain.current_actor.set("user:42")
    try:
        assert record("x.y", ("t", "1")).actor == "user:42"
        assert record("x.y", ("t", "1"), actor="system:import").actor == "system:import"
    finally:
        chain.current_actor.reset(token)
    assert record("x.y", ("t", "1")).actor == "system"


def test_a_model_instance_is_referenced_by_label_and_pk(five):
    rec = record("audit.checked", five[0])
    assert (rec.object_type, rec.object_id) == ("audit.auditrecord", "1")


def test_record_read_names_the_fields_and_the_purpose():
    rec = record_read(("identity.person", "9"), ["phone", "id_number"], "verify identity", actor="user:3")
    assert (rec.action, rec.data) == (
        "personal_data.read",
        '{"fields":["id_number","phone"],"purpose":"verify identity"}',
    )


def test_append_many_is_one_contiguous_run():
    records = append_many([Entry("a.b", "t", str(n), {"n": n}) for n in range(3)])
    assert [r.seq for r in records] == [1, 2, 3]
    assert append_many([]) == []
    assert verify().checked == 3


def test_a_rolled_back_append_leaves_no_trace(five):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        record("case.closed", ("workflow.case", "1"))
        1 / 0  # noqa: B018
    assert AuditRecord.objects.count() == 5
    assert record("case.closed", ("workflow.case", "1")).seq == 6
    assert verify().ok


def test_appends_held_to_the_end_of_a_block_are_written_there_in_order(five):
    token = chain.current_actor.set("user:9")
    try:
        with transaction.atomic(), chain.appended_last():
            early = record("case.opened", ("workflow.case", "7"))
            with chain.appended_last():  # nested: the outer block writes
                append_many([Entry("case.note", "workflow.case", "7", {"n": n}) for n in range(2)])
            assert early.seq is None and early.actor == "user:9"
            assert AuditRecord.objects.count() == 5  # nothing written yet, the head untouched
            chain.current_actor.set("user:10")
            record("case.closed", ("workflow.case", "7"))
    finally:
        chain.current_actor.reset(token)
    written = list(AuditRecord.objects.filter(seq__gt=5).order_by("seq"))
    assert [(r.action, r.actor) for r in written] == [
        ("case.opened", "user:9"),
        ("case.note", "user:9"),
        ("case.note", "user:9"),
        ("case.closed", "user:10"),
    ]
    assert verify().ok

    with pytest.raises(ZeroDivisionError), transaction.atomic(), chain.appended_last():
        record("case.reopened", ("workflow.case", "7"))
        1 / 0  # noqa: B018
    assert AuditRecord.objects.count() == 9
    with pytest.raises(ValueError), chain.appended_last():
        record("case\x1fopened", ("workflow.case", "7"))  # refused at the call, not at the end


@pytest.mark.django_db(transaction=True)
def test_a_held_block_does_not_keep_other_writers_waiting():
    """While one transaction holds its appends back, another appends and commits at once; the held
    ones follow it in the chain."""
    _needs_postgres()
    appended_inside, other_done = threading.Event(), threading.Event()

    def writer(i: int) -> float:
        if i == 0:
            with transaction.atomic(), chain.appended_last():
                record("burst.routed", ("workflow.case", "1"))
                appended_inside.set()
                assert other_done.wait(30), "the other writer waited for this transaction"
            return 0.0
        assert appended_inside.wait(30)
        record("complaint.filed", ("complaints.complaint", "2"))
        other_done.set()
        return 0.0

    in_threads(2, writer)
    assert list(AuditRecord.objects.order_by("seq").values_list("action", flat=True)) == [
        "complaint.filed",
        "burst.routed",
    ]
    assert verify().ok


def test_the_field_separator_is_refused_in_fields():
    with pytest.raises(ValueError):
        record("case.transition", ("workflow.case", "1\x1f2"))
    with pytest.raises(ValueError):
        record("case\x1ftransition", ("workflow.case", "1"))
    assert not AuditRecord.objects.exists()


# --- tampering -------------------------------------------------------------------------------------

EDITS = {
    "at": lambda r: connection.ops.adapt_datetimefield_value(r.at + dt.timedelta(microseconds=1)),
    "actor": lambda r: "user:8",
    "action": lambda r: "case.transition ",
    "object_type": lambda r: "workflow.Case",
    "object_id": lambda r: "20",
    "data": lambda r: '{"step":3}',
    # Change the first hex digit to a different one (a fixed digit would be a no-op 1 time in 16).
    "prev_hash": lambda r: ("1" if r.prev_hash[0] == "0" else "0") + r.prev_hash[1:],
    "hash": lambda r: ("1" if r.hash[0] == "0" else "0") + r.hash[1:],
}


@pytest.mark.parametrize("field", EDITS)
def test_editing_any_field_names_that_record(five, field):
    target = five[2]
    statement = f'UPDATE audit_auditrecord SET "{field}" = %s WHERE seq = 3'  # noqa: S608
    assert sql(statement, [EDITS[field](target)]) == 1
    result = verify()
    assert (result.ok, result.bad_seq, result.checked) == (False, 3, 2)
    assert "#3" in result.reason


def test_editing_the_sequence_number_is_a_missing_record(five):
    sql("UPDATE audit_auditrecord SET seq = 33 WHERE seq = 3")
    result = verify()
    assert (result.ok, result.bad_seq) == (False, 3)
    assert "missing" in result.reason


def test_deleting_a_record_names_it_as_missing(five):
    sql("DELETE FROM audit_auditrecord WHERE seq = 2")
    result = verify()
    assert (result.ok, result.bad_seq, result.checked) == (False, 2, 1)
    assert result.reason == "record #2 is missing (next is #3)"


def test_deleting_the_first_record_is_detected(five):
    sql("DELETE FROM audit_auditrecord WHERE seq = 1")
    assert verify().bad_seq == 1


def test_swapping_two_records_is_detected(five):
    sql("UPDATE audit_auditrecord SET seq = -1 WHERE seq = 2")
    sql("UPDATE audit_auditrecord SET seq = 2 WHERE seq = 3")
    sql("UPDATE audit_auditrecord SET seq = 3 WHERE seq = -1")
    result = verify()
    assert (result.ok, result.bad_seq) == (False, 2)


def test_swapping_two_records_contents_is_detected(five):
    # Keep each seq, move everything else: the order of events is what was changed.
    fields = ("at", "actor", "action", "object_type", "object_id", "data", "prev_hash", "hash")
    second, fourth = (AuditRecord.objects.values_list(*fields).get(seq=s) for s in (2, 4))
    assignments = ", ".join(f'"{f}" = %s' for f in fields)
    statement = f"UPDATE audit_auditrecord SET {assignments} WHERE seq = %s"  # noqa: S608
    sql(statement, [*fourth, 2])
    sql(statement, [*second, 4])
    assert verify().bad_seq == 2


def test_deleting_the_last_records_is_detected_through_the_head(five):
    sql("DELETE FROM audit_auditrecord WHERE seq >= 4")
    result = verify()
    assert (result.ok, result.bad_seq, result.checked) == (False, 4, 3)
    assert result.reason == "records after #3 were removed (the head is #5)"


def test_deleting_every_record_is_detected_through_the_head(five):
    sql("DELETE FROM audit_auditrecord")
    assert (verify().ok, verify().bad_seq) == (False, 1)


def test_deleting_the_last_records_and_moving_the_head_back_is_detected(five):
    sql("DELETE FROM audit_auditrecord WHERE seq = 5")
    sql("UPDATE audit_audithead SET seq = 4 WHERE id = 1")  # the hash still names #5
    result = verify()
    assert (result.ok, result.bad_seq) == (False, 4)
    assert "head" in result.reason


def test_deleting_the_head_is_detected(five):
    sql("DELETE FROM audit_audithead")
    result = verify()
    assert (result.ok, result.bad_seq) == (False, 1)
    assert "beyond the head" in result.reason


def test_a_rewritten_last_record_does_not_match_the_head(five):
    # Someone who knows the format rewrites the last record and its hash consistently...
    last = five[-1]
    forged = chain.record_hash(
        5, last.at, "user:1", last.action, last.object_type, "4", last.data, last.prev_hash
    )
    sql("UPDATE audit_auditrecord SET actor = 'user:1', hash = %s WHERE seq = 5", [forged])
    # ...but the head still holds the true hash.
    result = verify()
    assert (result.ok, result.bad_seq) == (False, 5)


def test_a_record_slipped_in_after_the_head_is_detected(five):
    last = five[-1]
    h = chain.record_hash(6, last.at, "user:1", "case.closed", "workflow.case", "1", "{}", last.hash)
    sql(
        'INSERT INTO audit_auditrecord ("seq", "at", "actor", "action", "object_type", "object_id", '
        "\"data\", \"prev_hash\", \"hash\") VALUES (6, %s, 'user:1', 'case.closed', 'workflow.case', '1', "
        "'{}', %s, %s)",
        [connection.ops.adapt_datetimefield_value(last.at), last.hash, h],
    )
    result = verify()
    assert (result.ok, result.bad_seq) == (False, 6)
    assert result.reason == "record #6 is beyond the head (#5)"


def test_moving_text_across_the_field_separator_is_detected(five):
    # A record written around the append checks, with the separator inside a field...
    last = five[-1]
    at = connection.ops.adapt_datetimefield_value(last.at)
    h = chain.record_hash(6, last.at, "user:1\x1fcase", "closed", "t", "1", "{}", last.hash)
    sql(
        'INSERT INTO audit_auditrecord ("seq", "at", "actor", "action", "object_type", "object_id", '
        "\"data\", \"prev_hash\", \"hash\") VALUES (6, %s, %s, 'closed', 't', '1', '{}', %s, %s)",
        [at, "user:1\x1fcase", last.hash, h],
    )
    sql("UPDATE audit_audithead SET seq = 6, hash = %s", [h])
    assert verify().bad_seq == 6
    # ...and the same text split differently (actor "user:1", action "case\x1fclosed") has the same
    # hash: only the separator count tells them apart.
    sql("UPDATE audit_auditrecord SET actor = 'user:1', action = %s WHERE seq = 6", ["case\x1fclosed"])
    assert verify().bad_seq == 6


def test_verification_reads_in_pages(five):
    more = append_many([Entry("a.b", "t", str(n)) for n in range(6)])  # 11 records in all
    for chunk in (1, 2, 5, 11, 100):
        assert verify(chunk=chunk) == chain.VerifyResult(True, 11)
    sql("DELETE FROM audit_auditrecord WHERE seq IN (10, 11)")
    for chunk in (1, 3, 5, 9, 10, 100):
        assert verify(chunk=chunk).bad_seq == 10
    assert more[-1].seq == 11


def test_an_empty_log_verifies():
    assert verify() == chain.VerifyResult(True, 0)


# --- the command -----------------------------------------------------------------------------------


def test_pracha_audit_verify_says_ok(five, capsys):
    call_command("audit", "verify")
    assert "audit chain OK: 5 records verified" in capsys.readouterr().out


def test_pracha_audit_verify_names_the_broken_record(five):
    sql("UPDATE audit_auditrecord SET data = '{\"step\":99}' WHERE seq = 4")
    with pytest.raises(CommandError, match=r"BROKEN at record #4: record #4 was altered; 3 records"):
        call_command("audit", "verify")


# --- concurrency (PostgreSQL) ------------------------------------------------------------------------


def _needs_postgres() -> None:
    needs_postgres("concurrent writers need PostgreSQL (SQLite serialises them)")


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain():
    _needs_postgres()

    def writer(i: int) -> list[list[int]]:
        runs = []
        for n in range(20):
            with transaction.atomic():
                if n % 2:
                    runs.append([record("case.transition", ("workflow.case", f"{i}-{n}")).seq])
                else:  # a batch, and another record in the same transaction
                    batch = append_many(
                        [Entry("case.note", "workflow.case", f"{i}-{n}-{k}") for k in range(3)]
                    )
                    runs.append(
                        [r.seq for r in batch] + [record("case.saved", ("workflow.case", f"{i}")).seq]
                    )
        return runs

    runs = [run for per_thread in in_threads(4, writer) for run in per_thread]
    seqs = sorted(s for run in runs for s in run)
    assert seqs == list(range(1, 4 * (10 * 1 + 10 * 4) + 1))  # contiguous, no duplicates
    assert all(run == list(range(run[0], run[0] + len(run))) for run in runs)  # a transaction is one run
    assert verify() == chain.VerifyResult(True, len(seqs))


@pytest.mark.django_db(transaction=True)
def test_verification_while_records_are_appended():
    _needs_postgres()
    append_many([Entry("a.b", "t", str(n)) for n in range(300)])
    stop = threading.Event()

    def work(i: int):
        if i == 0:
            try:
                return [verify(chunk=7) for _ in range(5)]
            finally:
                stop.set()
        count = 0
        while not stop.is_set():
            record("case.transition", ("workflow.case", str(count)))
            count += 1
        return count

    results, appended = in_threads(2, work)
    assert appended > 0
    assert all(r.ok for r in results), results
    assert verify() == chain.VerifyResult(True, 300 + appended)
