"""What a parsed GraphQL document defines, as the rules that walk it before execution need it."""

from __future__ import annotations

from graphql import DocumentNode, FragmentDefinitionNode, SelectionSetNode


def fragment_selections(document: DocumentNode) -> dict[str, SelectionSetNode]:
    """Each fragment's selection set by the fragment's name: spreads are followed through it."""
    return {
        definition.name.value: definition.selection_set
        for definition in document.definitions
        if isinstance(definition, FragmentDefinitionNode)
    }
