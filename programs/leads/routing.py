"""Lead routing over plain data: partners as inverted indexes in, a decision out, no database.

The order of a decision: partners that may take leads at all (active, not offered this lead
before, under their open-lead capacity), then each rule in its position order (a required rule
that leaves nobody ends in the manual queue; an optional one is skipped when it would leave nobody),
then a weighted round robin among whoever is left. Eligibility comes before the rules so an
optional rule falls back to partners who can actually take the lead.

The round robin is stride scheduling (weighted fair queuing): every partner has a pass; the
candidate with the lowest pass is chosen (lowest id on a tie) and its pass grows by
``STRIDE // weight``. Over any run of leads with the same pool each partner's share is its
weight's share, to within one lead, picks are spread out rather than bunched, and a decision
changes one partner's pass only, however large the pool. A pass is never counted as lower than
one weight-1 stride (STRIDE) below the pool's median pass (Router._floor): a partner with no pass
yet (0), or back after being at capacity, inactive or out of every pool, catches up about as many
leads in a row as its weight instead of taking every lead until it reaches the others.

Cost: a Router is built once per routing batch from the active partners as sets of ids per field
value (region code, vertical, country, type, engagement), so a rule is an intersection of sets
(C loops), never a loop over partner objects. The pools a rule chain leaves for one kind of lead
are kept for the batch, so leads from the same region and vertical share that work, and partners
that are excluded (offered the lead before, at capacity) are subtracted by count. Steps keep exact
counts and the lowest STEP_IDS_SHOWN ids; the pick scans a small pool and pops a heap of
(pass, id) for a large one.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from itertools import islice

STEP_IDS_SHOWN = 50  # candidate ids kept per step; the count is always exact
POOL_SHOWN = 50  # final candidates kept with their passes; the pool's size is always exact
STRIDE = 720720  # lcm(1..16): a weight-1 partner's step; weights up to 16 divide it exactly
HEAP_FROM = 5000  # a final pool this large is picked from a heap kept for the batch (shared by many leads)
SORT_UP_TO = 1000  # a pool this small is sorted for its lowest ids; a larger one is walked in id order
HEAD = 2 * STEP_IDS_SHOWN  # lowest ids kept per pool, so a few excluded ones need no second walk

REGION, VERTICAL, COUNTRY, PARTNER_TYPE, ENGAGEMENT = "region", "vertical", "country", "partner_type", "engagement"
FIELDS = (REGION, VERTICAL, COUNTRY, PARTNER_TYPE, ENGAGEMENT)


@dataclass(frozen=True)
class LeadFacts:
    country: str
    region_path: tuple[str, ...] = ()  # the lead's region and every region above it, nearest first
    vertical: str | None = None


@dataclass(frozen=True)
class PartnerFacts:
    id: int
    type: str
    engagement: str
    country: str = ""
    regions: frozenset[str] = frozenset()
    verticals: frozenset[str] = frozenset()
    open_leads: int = 0
    capacity: int = 20
    weight: int = 1
    pass_value: int = 0


@dataclass(frozen=True)
class RuleSpec:
    name: str
    field: str
    required: bool = True
    values: tuple[str, ...] = ()
    id: int | None = None


@dataclass(frozen=True)
class Step:
    """What one step did: ``outcome`` is applied, skipped (optional, would leave nobody),
    emptied (required, left nobody) or excluded (an eligibility check). ``before``/``after`` are
    exact counts; ``candidates`` the lowest ids kept, at most STEP_IDS_SHOWN."""

    name: str
    outcome: str
    before: int
    after: int
    candidates: tuple[int, ...]
    rule: int | None = None
    required: bool | None = None

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "rule": self.rule,
            "required": self.required,
            "outcome": self.outcome,
            "before": self.before,
            "after": self.after,
            "candidates": list(self.candidates[:STEP_IDS_SHOWN]),
        }


@dataclass(frozen=True)
class Decision:
    """``pool`` (empty without a choice) says why the chosen one: the final pool's size and total
    weight, the chosen partner's weight and pass before and after, and the candidates next in
    line (lowest pass first, the chosen one first, at most POOL_SHOWN) with the pass each was
    compared at."""

    chosen: int | None
    reason: str
    steps: tuple[Step, ...]
    pool: dict = field(default_factory=dict)

    def pool_json(self) -> dict:
        return self.pool


@dataclass(frozen=True)
class PartnerIndex:
    """The active partners as inverted indexes: for each field, value → the ids of the partners
    with it (a partner is under each of its regions and verticals)."""

    by_type: Mapping[str, frozenset[int]]
    by_engagement: Mapping[str, frozenset[int]] = field(default_factory=dict)
    by_country: Mapping[str, frozenset[int]] = field(default_factory=dict)
    by_region: Mapping[str, frozenset[int]] = field(default_factory=dict)
    by_vertical: Mapping[str, frozenset[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, partners: Iterable[PartnerFacts]) -> PartnerIndex:
        groups: dict[str, dict[str, set[int]]] = {name: {} for name in FIELDS}
        for partner in partners:
            groups[PARTNER_TYPE].setdefault(partner.type, set()).add(partner.id)
            groups[ENGAGEMENT].setdefault(partner.engagement, set()).add(partner.id)
            groups[COUNTRY].setdefault(partner.country, set()).add(partner.id)
            for code in partner.regions:
                groups[REGION].setdefault(code, set()).add(partner.id)
            for slug in partner.verticals:
                groups[VERTICAL].setdefault(slug, set()).add(partner.id)
        return cls.from_groups({name: {k: frozenset(v) for k, v in values.items()} for name, values in groups.items()})

    @classmethod
    def from_groups(cls, groups: Mapping[str, Mapping[str, Iterable[int]]]) -> PartnerIndex:
        """From ``{field: {value: ids}}`` (FIELDS; the type groups list every active partner)."""

        def sets(name: str) -> dict[str, frozenset[int]]:
            return {value: frozenset(ids) for value, ids in groups.get(name, {}).items()}

        return cls(sets(PARTNER_TYPE), sets(ENGAGEMENT), sets(COUNTRY), sets(REGION), sets(VERTICAL))

    @cached_property
    def active(self) -> frozenset[int]:
        return frozenset().union(*self.by_type.values())

    @cached_property
    def ordered(self) -> list[int]:
        """Every active id in order, walked for the lowest ids of a large pool."""
        return sorted(self.active)

    def type_of(self, partner_id: int) -> str | None:
        return next((kind for kind, ids in self.by_type.items() if partner_id in ids), None)


class _Pool:
    """Partners a chain of rules leaves for one kind of lead, before exclusions; kept for the batch."""

    __slots__ = ("floor", "head", "heap", "members", "weight")

    def __init__(self, members: frozenset[int]):
        self.members = members
        self.head: list[int] | None = None  # the lowest HEAD ids
        self.weight: int | None = None  # the members' total weight
        self.heap: list[tuple[int, int]] | None = None  # (pass, id), stale entries corrected when popped
        self.floor: int | None = None  # the lowest pass a member is counted at, for the batch


class Router:
    """Routes the leads of one batch in turn: each decision counts the lead it offers against the
    chosen partner's capacity and moves that partner's pass, for the decisions after it. Holds no
    database state: the caller reads the partners before and writes ``changed`` passes after."""

    def __init__(
        self,
        index: PartnerIndex,
        rules: Sequence[RuleSpec],
        *,
        weight: Mapping[int, int],
        capacity: Mapping[int, int],
        open_leads: Mapping[int, int] | None = None,
        passes: Mapping[int, int] | None = None,
    ):
        self.index, self.rules = index, tuple(rules)
        self.active = index.active
        self.weight, self.capacity = weight, capacity
        self.open = dict(open_leads or {})
        self.passes = dict.fromkeys(self.active, 0)
        self.passes.update(passes or {})
        self.full = {pk for pk, count in self.open.items() if pk in self.active and count >= capacity[pk]}
        self.changed: dict[int, int] = {}  # partner id → its pass after the batch's decisions
        self._root = _Pool(self.active)
        self._matching: dict[tuple[int, object], frozenset[int]] = {}
        self._children: dict[tuple[int, int, object], _Pool] = {}

    @classmethod
    def of(cls, partners: Sequence[PartnerFacts], rules: Sequence[RuleSpec]) -> Router:
        return cls(
            PartnerIndex.of(partners),
            rules,
            weight={partner.id: partner.weight for partner in partners},
            capacity={partner.id: partner.capacity for partner in partners},
            open_leads={partner.id: partner.open_leads for partner in partners},
            passes={partner.id: partner.pass_value for partner in partners},
        )

    # --- a decision ---------------------------------------------------------------------------

    def route(self, lead: LeadFacts, *, offered_before: Iterable[int] = ()) -> Decision:
        """Choose the partner to offer ``lead`` to, or None (the manual queue), with every step
        recorded. ``offered_before`` are partners this lead was offered to already (declined,
        lapsed or withdrawn): they are never offered it again."""
        offered = frozenset(offered_before) & self.active
        root, total = self._root, len(self.active)
        steps = [Step("active partners", "applied", total, total, self._shown(root))]
        count = total - len(offered)
        steps.append(Step("not offered this lead before", "excluded", total, count, self._shown(root, offered)))
        eligible = total - self._excluded(root.members, offered)
        steps.append(
            Step("under open-lead capacity", "excluded", count, eligible, self._shown(root, offered, self.full))
        )
        if not eligible:
            return Decision(None, "No active partner can take another lead.", tuple(steps))
        pool, count = root, eligible
        for position, rule in enumerate(self.rules):
            narrowed = self._narrow(pool, position, rule, lead)
            kept = len(narrowed.members) - self._excluded(narrowed.members, offered)
            if kept:
                shown = self._shown(narrowed, offered, self.full)
                steps.append(Step(rule.name, "applied", count, kept, shown, rule.id, rule.required))
                pool, count = narrowed, kept
            elif rule.required:
                steps.append(Step(rule.name, "emptied", count, 0, (), rule.id, rule.required))
                return Decision(None, f"No candidate left by the required rule “{rule.name}”.", tuple(steps))
            else:
                shown = self._shown(pool, offered, self.full)
                steps.append(Step(rule.name, "skipped", count, count, shown, rule.id, rule.required))
        return self._choose(pool, count, offered, tuple(steps))

    def _choose(self, pool: _Pool, count: int, offered: frozenset[int], steps: tuple[Step, ...]) -> Decision:
        if len(pool.members) < HEAP_FROM:
            floor, ranked = self._scan(pool, offered)
        else:
            floor, ranked = self._pop(pool, offered)
        chosen, before = ranked[0]
        weight = self.weight[chosen]
        total_weight = self._weight(pool) - self._excluded(pool.members, offered, self.weight)
        after = before + STRIDE // max(weight, 1)
        self.passes[chosen] = self.changed[chosen] = after
        if pool.heap is not None:
            heapq.heappush(pool.heap, (after, chosen))
        self.open[chosen] = self.open.get(chosen, 0) + 1
        if self.open[chosen] >= self.capacity[chosen]:
            self.full.add(chosen)
        reason = (
            f"Weighted round robin among {count} candidate(s); the chosen one's share is {weight / total_weight:.0%}."
        )
        summary = {
            "size": count,
            "total_weight": total_weight,
            "stride": STRIDE,
            "floor": floor,
            "chosen": {"partner": chosen, "weight": weight, "pass": before, "next_pass": after},
            "candidates": [{"partner": pk, "weight": self.weight[pk], "pass": value} for pk, value in ranked],
        }
        return Decision(chosen, reason, steps, summary)

    def _scan(self, pool: _Pool, offered: frozenset[int]) -> tuple[int, list[tuple[int, int]]]:
        """A small pool: its candidates' passes read in one pass (C loops unless a pass is at the
        floor)."""
        candidates = pool.members - self.full
        if offered:
            candidates -= offered
        values = list(map(self.passes.__getitem__, candidates))
        floor = self._floor(pool)
        ranked = heapq.nsmallest(POOL_SHOWN, zip(values, candidates, strict=True))
        if ranked[0][0] < floor:  # someone far behind: counted at the floor, tied with whoever is there
            clamped = ((max(value, floor), pk) for value, pk in zip(values, candidates, strict=True))
            ranked = heapq.nsmallest(POOL_SHOWN, clamped)
        return floor, [(pk, value) for value, pk in ranked]

    def _pop(self, pool: _Pool, offered: frozenset[int]) -> tuple[int, list[tuple[int, int]]]:
        """A large pool: pop its heap for POOL_SHOWN candidates, every candidate below the floor and
        those at the floor with a lower id, correcting entries whose pass moved since they were
        pushed, dropping partners at capacity (they stay so for the batch) and setting aside those
        offered the lead; all but the dropped and the chosen go back."""
        passes, full = self.passes, self.full
        if pool.heap is None:
            pool.heap = [(passes[pk], pk) for pk in pool.members if pk not in full]
            heapq.heapify(pool.heap)
        heap, floor = pool.heap, self._floor(pool)
        taken: list[tuple[int, int]] = []
        aside: list[tuple[int, int]] = []

        def pop() -> bool:
            while heap:
                value, pk = heap[0]
                if value != passes[pk]:
                    heapq.heapreplace(heap, (passes[pk], pk))
                    continue
                heapq.heappop(heap)
                if pk in full:
                    continue
                if pk in offered:
                    aside.append((value, pk))
                    continue
                taken.append((value, pk))
                return True
            return False

        while (len(taken) < POOL_SHOWN or (heap and heap[0][0] < floor)) and pop():
            pass
        behind = [pk for value, pk in taken if value < floor]
        if behind:  # counted at the floor: those at the floor with a lower id come first
            lowest = min(behind)
            while heap and heap[0][0] <= floor and heap[0][1] < lowest and pop():
                pass
        ranked = sorted((max(value, floor), pk) for value, pk in taken)
        chosen = ranked[0][1]
        for value, pk in taken + aside:
            if pk != chosen:  # _choose pushes the chosen one's new pass
                heapq.heappush(heap, (value, pk))
        return floor, [(pk, value) for value, pk in ranked[:POOL_SHOWN]]

    # --- pools and sets ---------------------------------------------------------------------

    def _narrow(self, pool: _Pool, position: int, rule: RuleSpec, lead: LeadFacts) -> _Pool:
        """``pool`` narrowed by ``rule`` for ``lead``: computed once per batch and kind of lead."""
        value = _lead_value(rule, lead)
        key = (id(pool), position, value)
        narrowed = self._children.get(key)
        if narrowed is None:
            matching = self._matching.get((position, value))
            if matching is None:
                matching = self._matching[(position, value)] = self._match(rule, value)
            narrowed = self._children[key] = _Pool(pool.members & matching)
        return narrowed

    def _match(self, rule: RuleSpec, value) -> frozenset[int]:
        """The active partners that pass ``rule`` for a lead with ``value`` (_lead_value). Regions
        are hierarchical: a partner covering EMEA or DACH matches a lead in DACH (from Germany)."""
        index = self.index
        if rule.field == REGION:
            return frozenset().union(*(index.by_region.get(code, ()) for code in value))
        if rule.field == VERTICAL:
            return index.by_vertical.get(value, frozenset()) if value else frozenset()
        if rule.field == COUNTRY:
            return index.by_country.get(value, frozenset()) if value else frozenset()
        if rule.field == PARTNER_TYPE:
            return frozenset().union(*(index.by_type.get(kind, ()) for kind in rule.values))
        if rule.field == ENGAGEMENT:
            return frozenset().union(*(index.by_engagement.get(level, ()) for level in rule.values))
        raise ValueError(f"unknown rule field {rule.field!r}")

    def _excluded(self, members: frozenset[int], offered: frozenset[int], weight: Mapping[int, int] | None = None):
        """How many of ``members`` are at capacity or offered the lead (or their total weight)."""
        out = members & self.full  # iterates the smaller of the two
        out_offered = [pk for pk in offered if pk in members and pk not in self.full]
        if weight is None:
            return len(out) + len(out_offered)
        return sum(map(weight.__getitem__, out)) + sum(map(weight.__getitem__, out_offered))

    def _floor(self, pool: _Pool) -> int:
        """One weight-1 stride below the pool's median pass, taken when the batch first uses the
        pool: whoever is further behind is new or was away. The median, not the lowest or the
        highest pass: partners also in busier pools run ahead, new and returning ones lag, and
        neither is most of a pool; fixed for the batch, so catching up never repeats in it."""
        if pool.floor is None:
            values = sorted(map(self.passes.__getitem__, pool.members))
            pool.floor = values[(len(values) - 1) // 2] - STRIDE
        return pool.floor

    def _weight(self, pool: _Pool) -> int:
        if pool.weight is None:
            pool.weight = sum(map(self.weight.__getitem__, pool.members))
        return pool.weight

    def _shown(self, pool: _Pool, offered: frozenset[int] = frozenset(), full: set[int] | None = None):
        """The lowest STEP_IDS_SHOWN ids of ``pool`` that are neither ``offered`` nor ``full``."""
        if pool.head is None:
            pool.head = self._lowest(pool.members, HEAD)
        full = full or set()
        shown = [pk for pk in pool.head if pk not in full and pk not in offered] if full or offered else pool.head
        if len(shown) < STEP_IDS_SHOWN and len(pool.head) < len(pool.members):
            shown = [pk for pk in sorted(pool.members) if pk not in full and pk not in offered]
        return tuple(shown[:STEP_IDS_SHOWN])

    def _lowest(self, members: frozenset[int], count: int) -> list[int]:
        if len(members) <= SORT_UP_TO:
            return sorted(members)[:count]
        return list(islice(filter(members.__contains__, self.index.ordered), count))


def _lead_value(rule: RuleSpec, lead: LeadFacts):
    """What of the lead ``rule`` reads (None when it reads only its own values)."""
    if rule.field == REGION:
        return lead.region_path
    if rule.field == VERTICAL:
        return lead.vertical
    if rule.field == COUNTRY:
        return lead.country
    return None


def route(
    lead: LeadFacts,
    partners: Sequence[PartnerFacts],
    rules: Sequence[RuleSpec],
    *,
    offered_before: Iterable[int] = (),
) -> Decision:
    """One decision over ``partners`` (Router.route of a router built for it alone)."""
    return Router.of(partners, rules).route(lead, offered_before=offered_before)
