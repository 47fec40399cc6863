"""Uploaded files, the imports run from them, and what happened to every row."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone


class ImportFile(models.Model):
    """An uploaded CSV, stored re-encoded as UTF-8 so workers read one encoding.

    ``encoding`` and ``delimiter`` say what was detected; ``header`` is the first row as read.
    A dry run and the import that commits it share the file.
    """

    kind = models.CharField(max_length=32)
    name = models.CharField(max_length=255, help_text="The file's name as uploaded.")
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=255)
    size = models.PositiveBigIntegerField(help_text="Bytes as uploaded.")
    sha256 = models.CharField(max_length=64)
    encoding = models.CharField(max_length=32)
    delimiter = models.CharField(max_length=1)
    header = ArrayField(models.CharField(max_length=200))
    rows = models.PositiveIntegerField(default=0, help_text="Data rows, counted on upload.")
    blank_rows = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["sha256"], name="import_file_sha")]

    def __str__(self) -> str:
        return self.name


class Import(models.Model):
    """One pass over a file: a dry run (reports, writes nothing) or the import itself.

    A reader splits the file into chunks of rows (``resume_offset`` is where it stands), noting
    each row's keys to find a record given twice; workers then process the chunks in parallel,
    each chunk's writes, report rows and counts in one transaction. A worker killed in the middle
    leaves its chunk pending for the next one; ``read_at`` and ``chunks_done == chunks_total``
    say when the import can finish.
    """

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    file = models.ForeignKey(ImportFile, on_delete=models.CASCADE, related_name="imports")
    kind = models.CharField(max_length=32)
    dry_run = models.BooleanField(default=True)
    # CSV column (as in the header) → field of the kind's row schema; unmapped columns are ignored
    mapping = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=State.choices, default=State.QUEUED)
    # the dry run this import commits, if it came from one
    source = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="commits")
    rows_total = models.PositiveIntegerField(null=True, blank=True, help_text="Data rows, counted after upload.")
    rows_done = models.PositiveIntegerField(default=0)
    # where the next chunk starts: a byte offset in the stored file and the spreadsheet row number there
    resume_offset = models.PositiveBigIntegerField(default=0)
    resume_row = models.PositiveIntegerField(default=1)
    read_at = models.DateTimeField(null=True, blank=True, help_text="When the reader reached the end of the file.")
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    blank_rows = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the import as a whole failed.")
    attempts = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="import_recent"),
            models.Index(fields=["state", "heartbeat_at"], name="import_state"),
        ]

    def __str__(self) -> str:
        return f"{'dry run' if self.dry_run else 'import'} #{self.pk} of {self.file_id}"

    @property
    def is_finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def summary(self) -> dict[str, int]:
        return {"create": self.created, "update": self.updated, "unchanged": self.unchanged, "error": self.errors}


class ImportChunk(models.Model):
    """A run of rows of the file (bytes ``start`` to ``end``, the first numbered ``first_row``) for one
    worker to process; ``duplicates`` holds the rows the reader found given twice
    (row number → [field, the first row's number])."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Done"

    run = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    start = models.PositiveBigIntegerField()
    end = models.PositiveBigIntegerField()
    first_row = models.PositiveIntegerField()
    duplicates = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "index"]
        constraints = [models.UniqueConstraint(fields=["run", "index"], name="import_chunk_index_unique")]

    def __str__(self) -> str:
        return f"chunk {self.index} of import {self.run_id} ({self.state})"


class ImportKey(models.Model):
    """The keys of a row the reader has seen (an external_id, a website domain, a name), so a
    later row naming the same record is found; dropped when the import ends."""

    run = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=300)
    alt_key = models.CharField(max_length=300, blank=True)
    number = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["run", "key"], name="import_key_key"),
            models.Index(fields=["run", "alt_key"], name="import_key_alt", condition=~models.Q(alt_key="")),
        ]

    def __str__(self) -> str:
        return f"{self.key} at row {self.number}"


class ImportRow(models.Model):
    """What happened (dry run: what would happen) to one row of the file.

    The unique (import, number) pair makes a redone chunk write its rows once, and the unique
    (import, object) pair among rows that are not errors makes two rows that reach one stored
    record another way (a domain, a name) never both write it, even from chunks run in parallel.
    """

    class Action(models.TextChoices):
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        UNCHANGED = "unchanged", "Unchanged"
        ERROR = "error", "Error"

    run = models.ForeignKey(Import, on_delete=models.CASCADE, related_name="rows", db_index=False)
    number = models.PositiveIntegerField(help_text="The row number in a spreadsheet (the header is row 1).")
    action = models.CharField(max_length=16, choices=Action.choices)
    object_id = models.BigIntegerField(null=True, blank=True)
    label = models.CharField(max_length=200, blank=True, help_text="The record's name, for the report.")
    # field → messages for an error row; field → [old, new] for an update
    messages = models.JSONField(default=dict, blank=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["run_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="import_row_number_unique"),
            models.UniqueConstraint(
                fields=["run", "object_id"],
                condition=models.Q(object_id__isnull=False) & ~models.Q(action="error"),
                name="import_row_object_once",
            ),
        ]
        indexes = [
            models.Index(fields=["run", "action", "number"], name="import_row_action"),
        ]

    def __str__(self) -> str:
        return f"row {self.number}: {self.action}"


class ImportColumnChoice(models.Model):
    """The field a column header was last mapped to (blank: ignored), so the next file of the
    same shape comes mapped."""

    kind = models.CharField(max_length=32)
    header = models.CharField(max_length=200, help_text="The header, normalised.")
    field = models.CharField(max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "header"], name="import_column_choice_unique")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.header} → {self.field or '(ignored)'}"
