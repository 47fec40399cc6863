"""The import pages of the manager portal: the list, the upload, the column mapping, an import's
page (its progress, figures and rows), its report, and committing a finished dry run.

Staff read imports; administrators and partner managers upload, map and commit (403 for analysts).
A partner's login opening one of these pages is sent to /partner/ (a POST gets a 404), as on every
manager page. Every page runs a fixed number of queries, whatever the number of imports or rows.
"""

from __future__ import annotations

import csv
import io
from itertools import islice

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from partners.forms import staff_label
from partners.imports import selectors, services
from partners.imports.files import DELIMITER_NAMES, ENCODING_NAMES, FileProblem, read_records
from partners.imports.forms import ImportMappingForm, ImportUploadForm, column_field_name
from partners.imports.kinds import ImportKind, kind_get
from partners.imports.mapping import mapping_guess
from partners.imports.models import Import, ImportFile, ImportRow
from partners.views.access import _partial_wanted, portal_view
from prm.counting import BoundedPaginator
from prm.errors import FieldErrors
from prm.spreadsheets import csv_safe

IMPORTS_PER_PAGE = 25
ROWS_PER_PAGE = 50
SAMPLES = 3  # values shown per column on the mapping page
Action = ImportRow.Action
State = Import.State

# the example row of each kind's CSV template (fields left out stay empty)
EXAMPLES = {
    "partners": {
        "external_id": "CRM-1001",
        "name": "Acme Robotics",
        "legal_name": "Acme Robotics GmbH",
        "website": "https://acme-robotics.example",
        "type": "technology",
        "status": "prospect",
        "engagement": "collaborative",
        "country": "DE",
        "regions": "DACH;EMEA",
        "verticals": "manufacturing",
        "owner": "maria@example.com",
        "description": "Industrial robot arms; reseller talks started in March.",
        "contact_name": "Jana Weber",
        "contact_email": "jana.weber@acme-robotics.example",
        "contact_phone": "+49 30 1234567",
        "contact_title": "Head of Partnerships",
        "contact_role": "primary",
    },
    "contacts": {
        "partner_external_id": "CRM-1001",
        "partner_website": "https://acme-robotics.example",
        "name": "Jana Weber",
        "email": "jana.weber@acme-robotics.example",
        "phone": "+49 30 1234567",
        "title": "Head of Partnerships",
        "role": "primary",
    },
}
# what matching does, per kind, on the upload page
MATCHING = {
    "partners": "A row updates the partner with its external_id, else the one whose website has the same domain, "
    "else the one with exactly its name; otherwise it creates a partner.",
    "contacts": "A row names its partner by the partner's external_id, else its website, and updates that "
    "partner's contact with the same e-mail, or adds one.",
}
# a row's outcome, by dry run (True) or import (False)
ACTION_LABELS = {
    True: {"create": "Would create", "update": "Would update", "unchanged": "Unchanged", "error": "Error"},
    False: {"create": "Created", "update": "Updated", "unchanged": "Unchanged", "error": "Error"},
}
ACTION_STYLES = {
    Action.CREATE: "text-bg-success",
    Action.UPDATE: "text-bg-primary",
    Action.UNCHANGED: "text-bg-light border",
    Action.ERROR: "text-bg-danger",
}
FIGURE_STYLES = {
    Action.CREATE: "prm-figure-create",
    Action.UPDATE: "",
    Action.UNCHANGED: "prm-figure-keep",
    Action.ERROR: "prm-figure-close",
}
DELIMITER_PLURALS = {",": "commas", ";": "semicolons", "\t": "tabs", "|": "vertical bars (|)"}
EXTRA_ENCODINGS = {"utf-16-le": "UTF-16 (little-endian, no BOM)", "utf-16-be": "UTF-16 (big-endian, no BOM)"}


def encoding_label(encoding: str) -> str:
    return ENCODING_NAMES.get(encoding) or EXTRA_ENCODINGS.get(encoding) or encoding


def delimiter_label(delimiter: str) -> str:
    return DELIMITER_PLURALS.get(delimiter) or f"{DELIMITER_NAMES.get(delimiter, repr(delimiter))}s"


def _require_runner(request: HttpRequest) -> None:
    if not selectors.may_run_imports(request.user):
        raise PermissionDenied


def _import_or_404(request: HttpRequest, pk: int) -> Import:
    try:
        return selectors.import_get(user=request.user, import_id=pk)
    except Import.DoesNotExist:
        raise Http404 from None


def _kind_or_404(code: str) -> ImportKind:
    kind = kind_get(code)
    if kind is None:
        raise Http404
    return kind


def _what(run: Import) -> str:
    return "Dry run" if run.dry_run else "Import"


def _counts(run: Import) -> list[dict]:
    """The four figures of an import, labelled for a dry run ("would create") or an import."""
    labels = ACTION_LABELS[run.dry_run]
    return [
        {
            "action": action,
            "label": labels[action] if action != Action.ERROR else "Errors",
            "count": count,
            "style": FIGURE_STYLES[action],
        }
        for action, count in run.summary.items()
    ]


def _progress(run: Import) -> dict:
    total, done = run.rows_total, run.rows_done
    if run.state == State.DONE:
        percent = 100
    elif total:
        percent = min(100, round(done * 100 / total))
    else:
        percent = 0
    return {"done": done, "total": total, "percent": percent, "active": not run.is_finished}


def _run_context(run: Import) -> dict:
    return {
        "run": run,
        "what": _what(run),
        "counts": _counts(run),
        "progress": _progress(run),
        "kind_label": getattr(kind_get(run.kind), "label", run.kind),
    }


# --- the list -------------------------------------------------------------------------------


def _list_row(run: Import) -> dict:
    return {
        "run": run,
        "url": reverse("import-detail", args=[run.pk]),
        "what": _what(run),
        "kind": getattr(kind_get(run.kind), "label", run.kind),
        "by": staff_label(run.created_by) if run.created_by else "",
        "progress": _progress(run),
        "counts": _counts(run),
    }


@portal_view
def import_list_page(request: HttpRequest) -> HttpResponse:
    """Imports and dry runs, newest first, 25 a page: a count and one query for the page (with its
    files and importers joined), whatever the page size."""
    page = BoundedPaginator(selectors.import_list(user=request.user), IMPORTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "rows": [_list_row(run) for run in page.object_list],
        "can_run": selectors.may_run_imports(request.user),
    }
    return render(request, "imports/list.html", context)


# --- upload and template --------------------------------------------------------------------


@portal_view(write=True)
def import_upload_page(request: HttpRequest) -> HttpResponse:
    """The form; a valid upload is checked and stored by the service, then mapped on the next page.
    What the service refuses (an empty file, an archive, an encoding it cannot read …) is shown
    next to the field, with a 400."""
    _require_runner(request)
    wanted = request.GET.get("kind")
    initial = {"kind": wanted if kind_get(wanted or "") is not None else "partners"}
    form = ImportUploadForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                stored = services.import_file_store(
                    upload=form.cleaned_data["file"], kind=form.cleaned_data["kind"], actor=request.user
                )
            except FieldErrors as exc:
                form.add_service_errors(exc.errors)
            else:
                return redirect("import-map", file_id=stored.pk)
    templates = [
        {"kind": kind, "url": reverse("import-template", args=[kind.code]), "matching": MATCHING.get(kind.code, "")}
        for kind in (kind_get(code) for code, _ in form.fields["kind"].choices)
    ]
    return render(request, "imports/upload.html", {"form": form, "templates": templates}, status=status)


@portal_view
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """A CSV to fill in: the kind's columns and one example row."""
    schema = _kind_or_404(kind)
    example = EXAMPLES.get(schema.code, {})
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # spreadsheet programs read the file as UTF-8
    writer.writerow([csv_safe(column.field) for column in schema.columns])
    writer.writerow([csv_safe(example.get(column.field, "")) for column in schema.columns])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{schema.code}-template.csv"'
    return response


# --- mapping --------------------------------------------------------------------------------


def _file_or_404(request: HttpRequest, file_id: int) -> ImportFile:
    try:
        stored = selectors.import_file_get(user=request.user, file_id=file_id)
    except ImportFile.DoesNotExist as exc:
        raise Http404 from exc
    if kind_get(stored.kind) is None:
        raise Http404
    return stored


def _samples(stored: ImportFile) -> tuple[list[list[str]], str]:
    """Up to SAMPLES values per column from the first data rows, and what went wrong reading them."""
    width = len(stored.header)
    samples: list[list[str]] = [[] for _ in range(width)]
    try:
        with stored.file.open("rb") as handle:
            records = read_records(handle, delimiter=stored.delimiter)
            next(records, None)  # the header
            for record in islice((record for record in records if record.cells), SAMPLES):
                for index in range(width):
                    cell = record.cells[index].strip() if index < len(record.cells) else ""
                    if cell:
                        samples[index].append(cell)
    except FileProblem as exc:
        return samples, str(exc)
    except OSError:
        return samples, "The stored file cannot be read."
    return samples, ""


@portal_view(write=True)
def import_map_page(request: HttpRequest, file_id: int) -> HttpResponse:
    """Each column of the file with sample values and the field it feeds (as guessed, or as this
    header was mapped last time); a valid POST starts the dry run."""
    _require_runner(request)
    stored = _file_or_404(request, file_id)
    kind = kind_get(stored.kind)
    guess = mapping_guess(kind=kind, header=stored.header)
    form = ImportMappingForm(request.POST or None, kind=kind, header=stored.header, guess=guess)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                run = services.import_start(file=stored, actor=request.user, dry_run=True, mapping=form.mapping())
            except FieldErrors as exc:
                errors = exc.errors.get("mapping", [])
                form.add_mapping_errors([errors] if isinstance(errors, str) else list(errors))
                for name, others in exc.errors.items():
                    if name != "mapping":
                        form.add_error(None, list(others))
            else:
                return redirect("import-detail", pk=run.pk)
    samples, problem = _samples(stored)
    field_help = {column.field: capfirst(column.help) for column in kind.columns}
    columns = []
    for index, name in enumerate(stored.header):
        bound = form[column_field_name(index)] if name else None
        columns.append(
            {
                "index": index + 1,
                "name": name,
                "field": bound,
                "help": capfirst(field_help.get(bound.value() or "", "")) if bound is not None else "",
                "samples": samples[index] if index < len(samples) else [],
            }
        )
    context = {
        "file": stored,
        "kind": kind,
        "form": form,
        "columns": columns,
        "field_help": field_help,
        "problem": problem,
        "rows_total": stored.rows,
        "encoding": encoding_label(stored.encoding),
        "delimiter": delimiter_label(stored.delimiter),
    }
    return render(request, "imports/map.html", context, status=status)


# --- one import -----------------------------------------------------------------------------


def _value(value) -> str:
    if value is None or value == "" or value == []:
        return "(empty)"
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _row(row: ImportRow, kind: ImportKind | None, labels: dict, link_partners: bool) -> dict:
    def label(field: str) -> str:
        column = kind.column(field) if kind else None
        return column.label if column else ("Row" if field == services.ROW_ERRORS else field)

    return {
        "number": row.number,
        "action": row.action,
        "action_label": labels[row.action],
        "action_style": ACTION_STYLES.get(row.action, "text-bg-secondary"),
        "label": row.label,
        "url": reverse("partner-detail", args=[row.object_id])
        if link_partners and row.object_id and row.action != Action.ERROR
        else "",
        "messages": [(label(field), " ".join(texts)) for field, texts in (row.messages or {}).items()],
        "changes": [
            (label(field), _value(change[0]), _value(change[1]))
            for field, change in (row.changes or {}).items()
            if isinstance(change, list | tuple) and len(change) == 2
        ],
    }


@portal_view
def import_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The import's progress (polled while it runs), its figures, file and mapping, and its rows,
    50 a page, filtered by ``?action=``; a finished dry run offers to import the rows. Queries: the
    import with its file and importer, a count and a page of rows, and the commit of a dry run."""
    run = _import_or_404(request, pk)
    kind = kind_get(run.kind)
    action = request.GET.get("action") or ""
    if action not in Action.values:
        action = ""
    page = BoundedPaginator(selectors.import_rows(run=run, action=action or None), ROWS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    labels = ACTION_LABELS[run.dry_run]
    link_partners = run.kind == "partners"
    committed = run.commits.order_by("pk").first() if run.dry_run and run.state == State.DONE else None
    summary = run.summary
    tabs = [{"action": "", "label": "All rows", "count": run.rows_done}] + [
        {"action": value, "label": labels[value] if value != Action.ERROR else "Errors", "count": summary[value]}
        for value in Action.values
    ]
    # in the file's column order (the stored mapping is a JSON object, whose keys PostgreSQL reorders)
    mapping = [
        {
            "column": name,
            "field": run.mapping.get(name, ""),
            "label": getattr(kind.column(run.mapping[name]) if kind else None, "label", run.mapping[name])
            if run.mapping.get(name)
            else "",
        }
        for name in run.file.header
        if name
    ]
    context = {
        **_run_context(run),
        "action": action,
        "tabs": tabs,
        "page": page,
        "rows": [_row(row, kind, labels, link_partners) for row in page.object_list],
        "committed": committed,
        "mapping": mapping,
        "encoding": encoding_label(run.file.encoding),
        "delimiter": delimiter_label(run.file.delimiter),
        "can_run": selectors.may_run_imports(request.user),
        "report_url": reverse("import-report", args=[run.pk]) + (f"?action={action}" if action else ""),
    }
    return render(request, "imports/detail.html", context)


@portal_view
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel alone, polled by htmx every second while the import is queued or running.
    A finished import's panel has no trigger, so polling stops; the poll that first sees it
    finished asks the browser to reload the page, whose figures and rows are then complete."""
    run = _import_or_404(request, pk)
    response = render(request, "imports/_progress.html", _run_context(run))
    if run.is_finished and _partial_wanted(request):
        response["HX-Refresh"] = "true"
    patch_vary_headers(response, ("HX-Request",))
    return response


@portal_view
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    """Every row with what happened, as CSV (``?action=`` for one kind of row), streamed."""
    run = _import_or_404(request, pk)
    action = request.GET.get("action") or None
    if action is not None and action not in Action.values:
        raise Http404
    response = StreamingHttpResponse(
        selectors.report_lines(run=run, action=action), content_type="text/csv; charset=utf-8"
    )
    suffix = f"-{action}" if action else ""
    response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-report{suffix}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@portal_view(write=True)
def import_commit_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Import what a finished dry run reported; committing it twice leads to the first import."""
    _require_runner(request)
    source = _import_or_404(request, pk)
    earlier = source.commits.exists()  # only for the message: the service returns the first commit
    try:
        run = services.import_commit(import_id=source.pk, actor=request.user)
    except services.ImportNotReady as exc:
        messages.warning(request, exc.message)
        return redirect("import-detail", pk=source.pk)
    if earlier:
        messages.info(request, "These rows were imported already; this is that import.")
    else:
        messages.success(request, f"The import of {source.file.name} has started.")
    return redirect("import-detail", pk=run.pk)
