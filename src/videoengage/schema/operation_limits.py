"""How many fields a document selects, counted on the parsed document before any validation runs.

Validation costs more than tokens suggest: graphql-core's OverlappingFieldsCanBeMergedRule compares
every pair of fields sharing a response name, so ``{ viewer { id } viewer { id } … }`` 400 times, 1,600
tokens, costs seconds. The field count bounds that work; this check itself is linear in the
document (each fragment is counted once and remembered). ``token_count`` counts the same on the
text, before the parser runs, so that a refusal costs no parse; this count, on the parsed
document, is the authority, and runs on every request before validation.

A document is counted whole, not only the operation ``operationName`` picks: validation checks
every operation and every fragment definition, so each of them would cost its work. The fields of
all operations (fragments expanded where they are spread) and of any fragment no operation spreads
count together against ``MAX_FIELDS``. ``MAX_ROOT_FIELDS`` bounds what one operation asks to run at
once (twenty aliased ``sendMessage``), so it is counted per operation, each use counted.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.validation.rules import overlapping_fields_can_be_merged

from videoengage.schema.document import fragment_selections

# The standard introspection query (graphql-core's ``get_introspection_query`` with every option,
# GraphiQL's) selects 220 to 230 fields with its fragments expanded, most of them ``ofType`` chains.
INTROSPECTION_FIELDS = 400
INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
# graphql-core meters the pairs of fields the overlap rule compares and aborts validation past its
# budget ("Validation aborted.", BAD_USER_INPUT); its default, 500,000, is seconds of CPU here. Within
# the field limits, 10,000 (about 20 ms here) is more than any real operation spends: the standard
# introspection query and the messages page with every card spend none.
FIELD_COMPARISON_BUDGET = 10_000


def bound_field_comparisons() -> None:
    """Lower graphql-core's comparison budget, read each time validation starts, for this process."""
    overlapping_fields_can_be_merged.MAX_COMPLEXITY_BUDGET = FIELD_COMPARISON_BUDGET


class _OverLimit(Exception):
    """Raised out of the walk as soon as a count passes its limit: the rest is not counted."""

    def __init__(self, introspection: bool) -> None:
        super().__init__()
        self.introspection = introspection


class _Cycle(Exception):
    def __init__(self, fragment: str) -> None:
        super().__init__(fragment)
        self.fragment = fragment


class _FieldCounter:
    """Counts field selections with fragments expanded, each fragment's count computed once.

    A fragment spread twice by a fragment spread twice … (a fragment bomb) is counted in time linear
    in the document, not in its expansion. Fields under ``__schema`` and ``__type`` count in a pool
    of their own when ``introspection_limit`` is given.
    """

    def __init__(
        self, fragments: dict[str, SelectionSetNode], limit: int, introspection_limit: int | None
    ) -> None:
        self._fragments = fragments
        self._separate_introspection = introspection_limit is not None
        self.product_left = limit
        self.introspection_left = limit if introspection_limit is None else introspection_limit
        self._counted: dict[tuple[str, bool], tuple[int, int]] = {}
        self._in_progress: set[tuple[str, bool]] = set()

    @property
    def reached(self) -> set[str]:
        return {name for name, _inside in self._counted}

    def add(self, selection_set: SelectionSetNode) -> None:
        """Charge ``selection_set``'s expanded fields against what the limits have left."""
        product, introspection = self._fields(selection_set, False)
        self.product_left -= product
        self.introspection_left -= introspection

    def _fields(self, selection_set: SelectionSetNode, inside: bool) -> tuple[int, int]:
        # Neither count ever exceeds what is left: a larger one raises before it is returned.
        product = introspection = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                enters = self._separate_introspection and selection.name.value in INTROSPECTION_ROOTS
                field_inside = inside or enters
                if field_inside:
                    introspection += 1
                else:
                    product += 1
                if selection.selection_set is not None:
                    below = self._fields(selection.selection_set, field_inside)
                    product, introspection = product + below[0], introspection + below[1]
            elif isinstance(selection, InlineFragmentNode):
                below = self._fields(selection.selection_set, inside)
                product, introspection = product + below[0], introspection + below[1]
            elif isinstance(selection, FragmentSpreadNode):
                below = self._fragment(selection.name.value, inside)
                product, introspection = product + below[0], introspection + below[1]
            if product > self.product_left:
                raise _OverLimit(False)
            if introspection > self.introspection_left:
                raise _OverLimit(self._separate_introspection)
        return product, introspection

    def _fragment(self, name: str, inside: bool) -> tuple[int, int]:
        key = (name, inside)
        if key in self._counted:
            return self._counted[key]
        if key in self._in_progress:
            raise _Cycle(name)  # it would expand forever
        selection_set = self._fragments.get(name)
        if selection_set is None:
            return 0, 0  # an unknown fragment: validation reports it
        self._in_progress.add(key)
        fields = self._fields(selection_set, inside)
        self._in_progress.discard(key)
        self._counted[key] = fields
        return fields


class _RootFieldCounter:
    """Counts the fields an operation runs at its root, through fragments and inline fragments.

    Runs after the field count, which has refused cycles and bounded every count.
    """

    def __init__(self, fragments: dict[str, SelectionSetNode]) -> None:
        self._fragments = fragments
        self._counted: dict[str, int] = {}

    def count(self, selection_set: SelectionSetNode) -> int:
        fields = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                fields += 1
            elif isinstance(selection, InlineFragmentNode):
                fields += self.count(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                fields += self._fragment(selection.name.value)
        return fields

    def _fragment(self, name: str) -> int:
        if name not in self._counted:
            selection_set = self._fragments.get(name)
            self._counted[name] = 0 if selection_set is None else self.count(selection_set)
        return self._counted[name]


def fields_message(max_fields: int) -> str:
    return f"The document selects more than {max_fields} fields; the limit is {max_fields} (MAX_FIELDS)"


def introspection_message(introspection_fields: int) -> str:
    return f"The introspection selects more than {introspection_fields} fields, its limit"


def root_fields_message(operation: str | None, root_fields: int | None, max_root_fields: int) -> str:
    name = f" '{operation}'" if operation else ""
    count = f"more than {max_root_fields}" if root_fields is None else str(root_fields)
    return (
        f"The operation{name} selects {count} root fields; the limit is {max_root_fields} (MAX_ROOT_FIELDS)"
    )


def operation_limit_problem(
    document: DocumentNode, max_fields: int, max_root_fields: int, introspection_fields: int | None
) -> str | None:
    """Why ``document`` is over a limit, in words for the client, or ``None`` when it is within them.

    With ``introspection_fields``, what ``__schema`` and ``__type`` select counts against it instead
    of ``max_fields``; without (production, where introspection is refused anyway), against ``max_fields``.
    """
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = fragment_selections(document)
    counter = _FieldCounter(fragments, max_fields, introspection_fields)
    try:
        for operation in operations:
            counter.add(operation.selection_set)
        for name in fragments.keys() - counter.reached:  # validation checks unused fragments too
            counter.add(fragments[name])
    except _OverLimit as over:
        return (
            introspection_message(introspection_fields or 0)
            if over.introspection
            else fields_message(max_fields)
        )
    except _Cycle as cycle:
        return f"Cannot spread fragment '{cycle.fragment}' within itself."
    root_counter = _RootFieldCounter(fragments)
    for operation in operations:
        root_fields = root_counter.count(operation.selection_set)
        if root_fields > max_root_fields:
            return root_fields_message(
                operation.name.value if operation.name else None, root_fields, max_root_fields
            )
    return None
