"""The row schemas imports know; a later capability (leads, certifications) registers its own."""

from partners.imports.kinds.base import Column, ImportKind, ParsedRow, RowResult, kind_get, kinds, register_kind
from partners.imports.kinds.contacts import ContactImport
from partners.imports.kinds.partners import PartnerImport

register_kind(PartnerImport())
register_kind(ContactImport())

__all__ = ["Column", "ImportKind", "ParsedRow", "RowResult", "kind_get", "kinds", "register_kind"]
