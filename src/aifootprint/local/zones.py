"""The zone of a measurement: checked when it starts (without loading the catalogue when it can), taken
from the settings in force when none is given, else the catalogue's default.

Kept apart from :mod:`.impacts` so that starting a measurement imports no value types.
"""

from __future__ import annotations


def configured_zone() -> tuple[str, str] | None:
    """The zone of the settings in force (``configure(zone=...)``, ``AIFOOTPRINT_ZONE``, the config file)
    with where it comes from, or ``None``."""
    from .._state import current_settings

    s = current_settings()
    if s.zone is None:
        return None
    return s.zone, s.provenance.get("zone", "settings")


def zone_of(zone: str | None, origin: str) -> tuple[str, str, tuple[str, ...]]:
    """(zone, where it comes from, warnings) of a measurement whose zone is ``zone`` (``None``: the
    catalogue's default, with the warning ``zone-defaulted``)."""
    if zone is not None:
        return zone, origin, ()
    from .._state import default_estimator

    cat = default_estimator().catalog
    z = cat.default_text("zone")
    return z, f"no zone given: {cat.default('zone').source}", ("zone-defaulted",)


_zone_codes: dict[str, str] = {}


def known_zone(code: str) -> str:
    """The zone's canonical code; raises :class:`UnknownZoneError` for an unknown one. Without loading the
    catalogue (tens of ms) when it is not loaded yet: the shipped zone codes are the first column of
    data/grid.csv, and the config file's ``[zones]`` add theirs."""
    from .._state import built_estimator

    if built_estimator() is None:
        import os

        if not _zone_codes:
            path = os.path.join(os.path.dirname(os.path.dirname(__file__)), "data", "grid.csv")
            try:
                with open(path, encoding="utf-8") as fh:
                    next(fh)
                    for line in fh:
                        first = line.split(",", 1)[0]
                        _zone_codes[first.upper()] = first
            except OSError:  # data not on the file system (a zip import): the catalogue decides
                pass
        key = code.strip().upper()
        found = _zone_codes.get(key)
        if found is None:  # perhaps a zone of the config file
            from .._state import current_settings

            found = {k.upper(): k for k in current_settings().overlays.get("zones", {})}.get(key)
        if found is not None:
            return found
    from .._state import default_estimator

    return default_estimator().catalog.zone(code).code
