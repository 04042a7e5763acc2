"""Catalogue of models, electricity zones, datacenters and hardware (package data + user overlays)."""

from .catalog import PROVIDER_ALIASES, Catalog, canonical_provider, load_catalog
from .rows import Accelerator, Datacenter, Default, Equivalent, Server, Zone

__all__ = [
    "PROVIDER_ALIASES",
    "Accelerator",
    "Catalog",
    "Datacenter",
    "Default",
    "Equivalent",
    "Server",
    "Zone",
    "canonical_provider",
    "load_catalog",
]
