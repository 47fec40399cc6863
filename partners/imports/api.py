"""/api/v1/imports/: upload a CSV of partners or contacts for a dry run or an import (202, the work
happens in the background), follow its progress, read its rows, download its report, and commit a
finished dry run. Staff read imports; administrators and partner managers start them; a partner
login gets 403 on the list and 404 on any import it names."""

from __future__ import annotations

import json

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from partners.imports import selectors, services
from partners.imports.kinds import kinds
from partners.imports.models import Import, ImportRow
from prm.api import ScopedViewSet

NOT_FOUND = OpenApiResponse(description="No such import among those the caller may read.")


class ImportPermission(BasePermission):
    """Staff read; administrators and managers start and commit. A route naming one import is
    looked up in the caller's scope first, so a partner login gets 404 there (403 on the list)."""

    message = "Only staff read imports, and only administrators and partner managers run them."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user.is_authenticated and user.is_active):
            return False
        if getattr(view, "detail", False) and not user.is_staff:
            return True  # the scoped lookup answers 404
        if request.method in SAFE_METHODS:
            return selectors.may_read_imports(user)
        return selectors.may_run_imports(user)


class ImportSerializer(serializers.ModelSerializer):
    file = serializers.CharField(source="file.name", read_only=True, help_text="The file's name as uploaded.")
    encoding = serializers.CharField(source="file.encoding", read_only=True, help_text="As detected.")
    delimiter = serializers.CharField(source="file.delimiter", read_only=True, help_text="As detected.")
    progress = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    report_url = serializers.SerializerMethodField()

    class Meta:
        model = Import
        fields = [
            "id", "kind", "dry_run", "state", "progress", "summary", "encoding", "delimiter", "file", "mapping",
            "blank_rows", "error", "source", "report_url", "created_at", "started_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_progress(self, run: Import) -> dict[str, int | None]:
        return {"done": run.rows_done, "total": run.rows_total}

    def get_summary(self, run: Import) -> dict[str, int]:
        return run.summary

    def get_report_url(self, run: Import) -> str:
        return f"/api/v1/imports/{run.pk}/report/"


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The CSV: UTF-8 (with or without BOM), UTF-16 or Windows-1252.")
    kind = serializers.ChoiceField(choices=[], help_text="What the rows are: partners or contacts.")
    dry_run = serializers.BooleanField(default=True, help_text="True (the default) reports and writes nothing.")
    mapping = serializers.JSONField(
        required=False,
        help_text="Column header → field, as a JSON object; columns left out are ignored. Without it, the mapping "
        "is guessed from the headers (and from the mapping last used for them).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.code, kind.label) for kind in kinds()]

    def validate_mapping(self, value):
        if isinstance(value, str):  # a multipart field arrives as text
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise serializers.ValidationError("Not valid JSON.") from exc
        if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise serializers.ValidationError("Give an object of column header → field name.")
        return value


class ImportRowSerializer(serializers.ModelSerializer):
    row = serializers.IntegerField(source="number")

    class Meta:
        model = ImportRow
        fields = ["row", "action", "object_id", "label", "messages", "changes"]
        read_only_fields = fields


ACTION = OpenApiParameter("action", str, enum=ImportRow.Action.values, description="Only rows with this outcome.")


@extend_schema_view(
    list=extend_schema(summary="Imports, newest first"),
    retrieve=extend_schema(responses={200: ImportSerializer, 404: NOT_FOUND}),
    create=extend_schema(
        request={"multipart/form-data": ImportCreateSerializer},
        responses={202: ImportSerializer, 400: OpenApiResponse(description="The file, kind or mapping, by field.")},
    ),
)
class ImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = ImportSerializer
    permission_classes = [ImportPermission]
    parser_classes = [MultiPartParser, FormParser]

    def scoped_queryset(self):
        return selectors.import_list(user=self.request.user)

    def accepted_query_params(self) -> set[str]:
        names = super().accepted_query_params()
        return names | {"action"} if self.action == "rows" else names

    def create(self, request, *args, **kwargs):
        form = ImportCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        stored = services.import_file_store(upload=data["file"], kind=data["kind"], actor=request.user)
        run = services.import_start(
            file=stored, actor=request.user, dry_run=data["dry_run"], mapping=data.get("mapping")
        )
        run = selectors.import_get(user=request.user, import_id=run.pk)
        return Response(ImportSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: ImportSerializer, 404: NOT_FOUND, 409: OpenApiResponse(
        description="Not a finished dry run (code import_not_committable).")})  # fmt: skip
    @action(detail=True, methods=["post"])
    def commit(self, request, pk=None):
        """Import for real what a finished dry run reported: a new import of the same file and mapping."""
        source = self.get_object()
        run = services.import_commit(import_id=source.pk, actor=request.user)
        run = selectors.import_get(user=request.user, import_id=run.pk)
        return Response(ImportSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(parameters=[ACTION], responses={200: ImportRowSerializer(many=True), 404: NOT_FOUND})
    @action(detail=True, methods=["get"])
    def rows(self, request, pk=None):
        """Every row with what happened (or would), in file order."""
        run = self.get_object()
        wanted = request.query_params.get("action")
        if wanted and wanted not in ImportRow.Action.values:
            raise ValidationError({"action": [f"Use one of {', '.join(ImportRow.Action.values)}."]})
        self.check_query_params()
        page = self.paginate_queryset(selectors.import_rows(run=run, action=wanted))
        return self.get_paginated_response(ImportRowSerializer(page, many=True).data)

    @extend_schema(
        parameters=[ACTION],
        responses={(200, "text/csv"): OpenApiTypes.STR, 404: NOT_FOUND},
        description="The report as CSV: row, action, id, name, messages, changes.",
    )
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        run = self.get_object()
        wanted = request.query_params.get("action")
        if wanted and wanted not in ImportRow.Action.values:
            raise ValidationError({"action": [f"Use one of {', '.join(ImportRow.Action.values)}."]})
        response = StreamingHttpResponse(
            selectors.report_lines(run=run, action=wanted), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="import-{run.pk}-report.csv"'
        return response


def register(router) -> None:
    router.register("imports", ImportViewSet, basename="api-import")
