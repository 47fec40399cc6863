"""API of strategies, runs, outcomes and rule kinds (/api/v1/strategies/, /runs/, /outcomes/, /rule-kinds/).

Every viewset stands on the guarded base (prm.api.ScopedViewSet): its rows come from a selector
that takes the caller (strategies, runs and rule kinds are staff-only, outcomes follow partner
visibility), its list filters are one FilterSet (api/filters.py), and views check the shape of a
request and call one service each. Every staff role reads, admins and partner managers write; a
partner's login reads the outcomes addressed to its organisation and nothing else here
(``StaffOrOwnOutcomesRead``, ``StaffOnlyElseNotFound``). Lists read their rows with the relations
they render joined, so a page costs the same few queries at any size.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from prm.api import ScopedViewSet
from prm.errors import Conflict
from prm.filters import filter_parameters
from prm.pagination import CursorPagination
from programs.strategies.api import serializers as s
from programs.strategies.api.filters import OutcomeFilterSet, RunFilterSet, StrategyFilterSet
from programs.strategies.api.permissions import StaffOnlyElseNotFound, StaffOrOwnOutcomesRead
from programs.strategies.models import StrategyRun
from programs.strategies.selectors import (
    OutcomeFilters,
    outcome_list,
    rule_kind_list,
    run_diff,
    run_list,
    strategy_list,
    strategy_versions,
)
from programs.strategies.services import (
    outcome_set_state,
    run_cancel,
    strategy_create,
    strategy_edit,
    strategy_start_run,
)

# --- strategies ----------------------------------------------------------------------

CONFLICT = OpenApiResponse(description='{"code", "detail"}: the request conflicts with the current state.')
OUTCOME_CONFLICT = OpenApiResponse(
    description='{"code", "detail"}: `outcome_not_open` (closed already), `outcome_not_applicable` (applied '
    "is for a recommended status change) or `outcome_addressed_to_partner` (done on a request to the partner, "
    "which the partner's answer resolves)."
)


@extend_schema_view(
    list=extend_schema(parameters=filter_parameters(StrategyFilterSet)),
    create=extend_schema(request=s.StrategyCreateSerializer, responses={201: s.StrategySerializer}),
    partial_update=extend_schema(
        request=s.StrategyUpdateSerializer,
        responses={200: s.StrategySerializer},
        description=(
            "Change name, schedule, is_active or scope (only the scope keys given change). New `rules`, or a "
            "changed scope, publish the next version (with `note`) and return it; invalid input is a 400 with "
            'nested field errors, e.g. {"rules": {"0": {"params": {"days": ["…"]}}}}, and publishes nothing.'
        ),
    ),
)
class StrategyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Strategies: how each kind of partnership is managed, with the rules of their current version."""

    serializer_class = s.StrategySerializer
    permission_classes = [StaffOnlyElseNotFound]
    filterset_class = StrategyFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]

    def scoped_queryset(self):
        return strategy_list(user=self.request.user)

    def _respond(self, strategy_id: int, status_code=status.HTTP_200_OK) -> Response:
        return Response(
            s.StrategySerializer(strategy_list(user=self.request.user).get(pk=strategy_id)).data, status=status_code
        )

    def create(self, request, *args, **kwargs):
        form = s.StrategyCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        strategy = strategy_create(actor=request.user, **form.validated_data)
        response = self._respond(strategy.pk, status.HTTP_201_CREATED)
        response["Location"] = f"/api/v1/strategies/{strategy.pk}/"
        return response

    def update(self, request, *args, **kwargs):
        strategy = self.get_object()
        form = s.StrategyUpdateSerializer(strategy, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        changes.pop("partner_type", None)  # validated as unchanged
        strategy_edit(strategy_id=strategy.pk, actor=request.user, **changes)
        return self._respond(strategy.pk)

    @extend_schema(responses=s.StrategyVersionSerializer(many=True))
    @action(detail=True, methods=["get"], serializer_class=s.StrategyVersionSerializer, filterset_class=None)
    def versions(self, request, pk=None):
        """The strategy's published versions, newest first."""
        strategy = self.get_object()
        page = self.paginate_queryset(strategy_versions(strategy_id=strategy.pk))
        return self.get_paginated_response(s.StrategyVersionSerializer(page, many=True).data)

    def _start(self, request, *, dry_run: bool, rules: list | None = None) -> Response:
        strategy = self.get_object()
        run = strategy_start_run(strategy_id=strategy.pk, actor=request.user, dry_run=dry_run, rules=rules)
        response = Response(
            s.RunSerializer(run_list(user=self.request.user).get(pk=run.pk)).data, status=status.HTTP_202_ACCEPTED
        )
        response["Location"] = f"/api/v1/runs/{run.pk}/"
        return response

    @extend_schema(request=s.PreviewRequestSerializer, responses={202: s.RunSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        """Start a dry run: it stores what the current version, or the draft ``rules`` given, would
        create, keep and close (see /runs/{id}/diff/) and changes nothing else."""
        body = s.PreviewRequestSerializer(data=request.data or {})
        body.is_valid(raise_exception=True)
        return self._start(request, dry_run=True, rules=body.validated_data.get("rules"))

    @extend_schema(request=None, responses={202: s.RunSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"], url_path="run")
    def run_now(self, request, pk=None):
        """Start a live run of the current version; while one is queued or running, that one is returned."""
        return self._start(request, dry_run=False)


# --- runs ----------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(parameters=filter_parameters(RunFilterSet)))
class RunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Strategy runs, newest first: status, progress and counts."""

    serializer_class = s.RunSerializer
    permission_classes = [StaffOnlyElseNotFound]
    filterset_class = RunFilterSet

    def scoped_queryset(self):
        return run_list(user=self.request.user)

    @extend_schema(responses={200: s.RunDiffSerializer, 409: CONFLICT})
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        """A preview's result: the outcomes it would create, keep and close (409 for a live run)."""
        run = self.get_object()
        if not run.dry_run:
            raise Conflict("Only a preview (dry run) has a diff.", code="not_a_preview")
        return Response({"run": run.pk, "status": run.status, **run_diff(run_id=run.pk)})

    @extend_schema(request=None, responses={200: s.RunSerializer, 409: CONFLICT})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Stop a queued or running run; chunks not yet evaluated are skipped (409 once it has finished)."""
        run = self.get_object()
        if not run_cancel(run_id=run.pk, actor=request.user):
            current = StrategyRun.objects.values_list("status", flat=True).get(pk=run.pk)
            raise Conflict(f"This run has finished already ({current}).", code="run_finished", status=current)
        return Response(s.RunSerializer(run_list(user=self.request.user).get(pk=run.pk)).data)


# --- outcomes ------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        parameters=filter_parameters(OutcomeFilterSet),
        description=(
            "Outcomes in every state unless `state` is given. `audience` says who must act: the partner manager "
            "or the partner. A partner's login lists only its own organisation's partner-addressed outcomes, "
            "without the internal fields (note, assignee_name, strategy_name, recommended_status, version_id)."
        ),
    ),
    retrieve=extend_schema(
        description="One outcome; for a partner's login only its organisation's partner-addressed ones (else 404)."
    ),
    partial_update=extend_schema(
        request=s.OutcomeTransitionSerializer,
        responses={200: s.OutcomeSerializer, 409: OUTCOME_CONFLICT},
        description=(
            "Set `state` to done or dismissed (closing it, with `note`), or applied (carrying out a recommended "
            "status change). Other states are a 400; an outcome that is not open any more is a 409 "
            "`outcome_not_open`. An outcome addressed to the partner (`audience` partner) is closed by what the "
            "partner does (an upload, a recorded review resolve it): `done` on it is a 409 "
            "`outcome_addressed_to_partner`, and it may be withdrawn (`dismissed`) only with a `note` saying why "
            "(else a 400 on `note`). Partner logins cannot change outcomes (403): their partner manager closes "
            "them, or the next run resolves them."
        ),
    ),
)
class OutcomeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """What strategies concluded about partners, with the figures that made them conclude so."""

    serializer_class = s.OutcomeSerializer
    permission_classes = [StaffOrOwnOutcomesRead]
    pagination_class = CursorPagination
    walk_ordering = ("id",)
    filterset_class = OutcomeFilterSet
    http_method_names = ["get", "patch", "head", "options"]

    def get_serializer_class(self):
        # the schema documents the staff shape; a partner's login reads the same names minus internal fields
        if getattr(self, "swagger_fake_view", False) or self.request.user.is_staff:
            return s.OutcomeSerializer
        return s.PartnerOutcomeSerializer

    def scoped_queryset(self):
        # every state: the list narrows it with ?state= (OutcomeFilterSet), a detail route finds any
        return outcome_list(user=self.request.user, filters=OutcomeFilters(state=()))

    def update(self, request, *args, **kwargs):
        outcome = self.get_object()
        form = s.OutcomeTransitionSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        outcome_set_state(outcome_id=outcome.pk, actor=request.user, **form.validated_data)
        return Response(s.OutcomeSerializer(self.get_queryset().get(pk=outcome.pk)).data)


# --- rule kinds ----------------------------------------------------------------------


class RuleKindViewSet(ScopedViewSet):
    """The rule kinds a strategy can use, with each kind's parameter schema (for the strategy editor)."""

    serializer_class = s.RuleKindSerializer
    permission_classes = [StaffOnlyElseNotFound]
    filter_backends = []  # a list of the registry's kinds, not a queryset; it takes no filters
    lookup_field = "kind"
    lookup_value_regex = "[a-z0-9_]+"

    def scoped_queryset(self):
        return rule_kind_list(user=self.request.user)

    @extend_schema(responses=s.RuleKindSerializer(many=True))
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.RuleKindSerializer(page, many=True).data)

    @extend_schema(responses=s.RuleKindSerializer)
    def retrieve(self, request, kind=None):
        found = next((row for row in self.get_queryset() if row["kind"] == kind), None)
        if found is None:
            raise NotFound(f"No rule kind “{kind}”.")
        return Response(s.RuleKindSerializer(found).data)


def register(router) -> None:
    """Add the strategy, run, outcome and rule-kind endpoints to the API router."""
    router.register("strategies", StrategyViewSet, basename="api-strategy")
    router.register("runs", RunViewSet, basename="api-run")
    router.register("outcomes", OutcomeViewSet, basename="api-outcome")
    router.register("rule-kinds", RuleKindViewSet, basename="api-rule-kind")
