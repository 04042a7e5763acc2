#!/usr/bin/env python3
"""Build the shipped data catalogue of aifootprint from the reference data.

Usage::

    python scripts/data/build_catalog.py [--reference-data PATH] [--check]

Reads ``<repo>/../shared/reference-data`` (see its SOURCES.md) plus the hand-curated inputs in
``scripts/data/curated/`` and the accelerator performance table ``scripts/data/accelerator_performance.csv``
(merged when present), and writes ``src/aifootprint/data/``. ``--check`` rebuilds in memory and exits 1
when a shipped file differs. Stdlib only; output is deterministic.

This file is the entry point: it runs the table builders of the package ``scripts/data/catalog_build/`` (one
module per shipped file, shared helpers in ``common.py``), writes their output and assembles MANIFEST.json
and ATTRIBUTION.md. The choice rules are documented in ``docs/data.md``; every rule in the table modules says
where it is applied.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

# scripts/ is not a package: make catalog_build importable however this file is run (python -P included).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_build.common import DEFAULT_REF, OUT_DIR, PERF_FILE, BuildError, write_csv, write_json
from catalog_build.cpu_tdp import CPU_TDP_HEADER, build_cpu_tdp
from catalog_build.datacenters import DC_HEADER, build_datacenters
from catalog_build.defaults import build_defaults
from catalog_build.equivalents import EQ_HEADER, build_equivalents
from catalog_build.grid import GRID_HEADER, build_grid
from catalog_build.hardware import HW_HEADER, build_hardware
from catalog_build.models import build_models
from catalog_build.servers import SRV_HEADER, build_servers

SCHEMA_VERSION = 1
DATA_VERSION = "2026.11.0"


# ---------------------------------------------------------------------------------------------- attribution

ATTRIBUTION = """\
# Attribution of the shipped data

The files in this folder (`models.json`, `grid.csv`, `datacenters.csv`, `hardware.csv`, `servers.csv`,
`equivalents.csv`, `defaults.json`, `cpu_tdp.csv`) were built by `scripts/data/build_catalog.py` from a
reference-data collection (collected 2026-11-23) and hand-curated inputs in `scripts/data/curated/`. Every
row names its source. Choice rules (values and ranges) are documented in `docs/data.md`.

## Derived from other projects

- **EcoLogits** (GenAI Impact / mlco2), version 0.11.3 and repository v0.9.3 (commit 5be90da) -
  Mozilla Public License 2.0, https://github.com/mlco2/ecologits .
  `models.json` reproduces EcoLogits' curated model table (architecture, parameter ranges and estimates for
  undisclosed models, OpenRouter speed statistics), the provider PUE/WUE/zone defaults in `datacenters.csv`,
  the electricity GWP/ADPe/PE/water factors it ships (OWID, ADEME, WRI), and the inference constants in
  `defaults.json`. The MPL-2.0 source of that data is available at the URL above.
- **BoaviztAPI** (Boavizta), version 2.5.0 - GNU Affero General Public License v3.0,
  https://github.com/Boavizta/boaviztapi . Figures computed with the package: GPU bottom-up embodied
  impacts in `hardware.csv`, cloud-instance archetypes in `servers.csv`, region-to-country mapping of
  cloud regions in `grid.csv`, ADEME factors for zones EcoLogits lacks. Only numbers (facts) are
  reproduced; no BoaviztAPI code or data file is redistributed.
- **CodeCarbon** version 3.3.2 - MIT License (https://github.com/mlco2/codecarbon/blob/master/LICENSE).
  Copyright (c) 2019 Mila, BCG Gamma, CometML, Haverford College; Copyright (c) 2023 Code Carbon NGO.
  Used for OWID carbon intensities, US eGRID2023 state factors, Canadian provincial mixes and per-source
  factors, China MEE provincial factors, Nordic bidding-zone factors (Khepri v1.3), Google Cloud region
  intensities, and equivalents from its dashboard. `cpu_tdp.csv` reproduces CodeCarbon's CPU TDP table
  (`codecarbon/data/hardware/cpu_power.csv`: TDP in W per CPU model, from Intel ARK and AMD product pages)
  with names canonicalised and duplicates merged (source codes `cc`, `cc-max`; see `docs/data.md`); its
  licence is reproduced in full at the end of this file.
- **mlco2/impact** (MIT) - alternative GPU TDP values noted in the reference data.

## Original datasets

- Our World in Data energy dataset (`carbon_intensity_elec`; Ember, Energy Institute) - CC BY 4.0,
  https://github.com/owid/energy-data .
- ADEME Base IMPACTS / Base Empreinte (electricity ADPe, ADPf) - ADEME terms of use; values as
  redistributed by EcoLogits and BoaviztAPI.
- WRI, Guidance for calculating water use embedded in purchased electricity (2020) - CC BY 4.0.
- US EPA eGRID2023 - public domain.
- China MEE/NBS Announcement 2025 No. 47 - official publication.
- ENTSO-E Transparency Platform (via Khepri v1.3, https://doi.org/10.5281/zenodo.22285397) - ENTSO-E terms.
- Google Cloud region carbon data; vendor datasheets (NVIDIA, AMD); company sustainability reports; provider
  model documentation (OpenAI, Anthropic, Mistral, Cohere, Google, AWS Bedrock, Groq, Together AI, Ollama,
  DeepSeek, Hugging Face model cards): facts quoted with their URL in each row.

## CodeCarbon licence (for `cpu_tdp.csv`)

```
MIT License

Copyright (c) 2019 Mila, BCG Gamma, CometML, Haverford College
Copyright (c) 2023 Code Carbon NGO

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
```
"""


# ---------------------------------------------------------------------------------------------- main


def build(ref: Path) -> dict[str, bytes]:
    if not (ref / "SOURCES.md").exists():
        raise BuildError(f"reference data not found at {ref}")
    grid, by_zone = build_grid(ref)
    models = build_models(ref)
    files = {
        "models.json": write_json({"schema_version": SCHEMA_VERSION, "models": models}),
        "grid.csv": write_csv(GRID_HEADER, grid),
        "datacenters.csv": write_csv(DC_HEADER, build_datacenters(ref, by_zone)),
        "hardware.csv": write_csv(HW_HEADER, build_hardware(ref)),
        "servers.csv": write_csv(SRV_HEADER, build_servers(ref)),
        "equivalents.csv": write_csv(EQ_HEADER, build_equivalents(ref)),
        "defaults.json": write_json(build_defaults(ref)),
        "cpu_tdp.csv": write_csv(CPU_TDP_HEADER, build_cpu_tdp(ref)),
        "ATTRIBUTION.md": ATTRIBUTION.encode("utf-8"),
    }
    sources_sha = hashlib.sha256((ref / "SOURCES.md").read_bytes()).hexdigest()
    perf = "with" if PERF_FILE.exists() else "without"
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "data_version": DATA_VERSION,
        "built_from": (
            f"reference-data collected 2026-11-23 (SOURCES.md sha256 {sources_sha[:16]}) + "
            f"scripts/data/curated/*.csv, {perf} scripts/data/accelerator_performance.csv; "
            "scripts/data/build_catalog.py"
        ),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    files["MANIFEST.json"] = write_json(manifest)
    return files


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference-data", type=Path, default=DEFAULT_REF)
    ap.add_argument(
        "--check", action="store_true", help="exit 1 if the shipped files differ from a fresh build"
    )
    ap.add_argument("--out", type=Path, default=OUT_DIR, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    try:
        files = build(args.reference_data)
    except BuildError as e:
        print(f"build_catalog: {e}", file=sys.stderr)
        return 2
    if args.check:
        stale = [
            n for n, d in files.items() if not (args.out / n).exists() or (args.out / n).read_bytes() != d
        ]
        if stale:
            print(
                "build_catalog: shipped files differ from a fresh build: " + ", ".join(sorted(stale)),
                file=sys.stderr,
            )
            return 1
        print("build_catalog: shipped data is up to date")
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    init = args.out / "__init__.py"
    if not init.exists():
        init.write_text("")
    for name, data in files.items():
        (args.out / name).write_bytes(data)
    print(f"build_catalog: wrote {len(files)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
