"""The table builders of ``scripts/data/build_catalog.py``, one module per shipped file.

``common`` (paths, BuildError, writers, number helpers, source constants), ``grid``, ``datacenters``,
``hardware``, ``servers``, ``equivalents``, ``defaults``, ``models``, ``cpu_tdp``. Each ``build_*`` function
reads the reference data and returns rows; ``build_catalog.py`` writes them and assembles MANIFEST.json and
ATTRIBUTION.md. Stdlib only: imported by the script (its directory is on ``sys.path``), never installed.
"""
