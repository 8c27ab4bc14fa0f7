"""The tamper-evident audit log: one append-only hash chain.

Each record's hash covers its own fields and the previous record's hash, so editing, removing or
reordering any record breaks the chain from that point on. The head row holds the last sequence
number and hash; appending locks it, which orders all appends in one chain. The sequence number is
the primary key, so every column of a record is covered by its hash (no unhashed surrogate id).
"""

from django.db import models


class AuditRecord(models.Model):
    seq = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    actor = models.CharField(max_length=120)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=80)
    data = models.TextField(default="{}")  # canonical JSON, hashed as stored
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The single row at the end of the chain (id=1)."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"head #{self.seq}"
