"""models.json: LLMs per provider (EcoLogits table, open-weight table, curated ids, aliases)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .common import CURATED, ECOLOGITS, ECOLOGITS_OLD, BuildError, num, read_csv

PROVIDER_MAP = {
    "openai": "openai",
    "anthropic": "anthropic",
    "mistralai": "mistral",
    "google_genai": "google",
    "cohere": "cohere",
    "huggingface_hub": "huggingface",
    "azure_openai": "openai",
}
PROVIDERS = (
    "openai",
    "anthropic",
    "mistral",
    "cohere",
    "google",
    "huggingface",
    "groq",
    "together",
    "bedrock",
    "ollama",
    "deepseek",
    "xai",
)
ESTIMATE_NOTE = (
    "parameters not disclosed; EcoLogits 0.11.3 estimate (warning model-arch-not-released). EcoLogits method "
    "(docs/methodology/proprietary_models.md): leaks (GPT-4 ~1.76-1.8T MoE), "
    "benchmark parity (Claude 3 Opus ~ "
    "GPT-4), price ratios (GPT-4-Turbo 880B), MoE activation 10-30% of total"
)
DATE_SUFFIX = re.compile(r"^(\d{3}|\d{4}|\d{4}-\d{2}-\d{2}|\d{8})$")
HF_URL = re.compile(r"https://huggingface\.co/([\w.-]+/[\w.-]+)")


def _precision(name: str) -> str:
    n = name.lower()
    if "gpt-oss" in n or "-4bit" in n or "awq" in n or "int4" in n:
        return "fp4"
    if "fp8" in n or "int8" in n:
        return "fp8"
    return "bf16"


def _model(
    provider: str, name: str, arch: str, total: tuple[float, float], active: tuple[float, float], **kw: Any
) -> dict[str, Any]:
    m = {
        "provider": provider,
        "name": name,
        "aliases": [],
        "architecture": arch,
        "total_params_b": [num(total[0]), num(total[1])],
        "active_params_b": [num(active[0]), num(active[1])],
        "precision": kw.get("precision", _precision(name)),
        "estimated": kw.get("estimated", False),
        "estimate_note": kw.get("estimate_note"),
        "tokens_per_s": kw.get("tokens_per_s"),
        "ttft_s": kw.get("ttft_s"),
        "open_weights": kw.get("open_weights"),
        "deprecated": kw.get("deprecated", False),
        "sources": list(kw.get("sources", [])),
        "_version": kw.get("version", ""),
    }
    return m


def build_models(ref: Path) -> list[dict[str, Any]]:
    models: dict[tuple[str, str], dict[str, Any]] = {}

    # 1. EcoLogits (0.11.3 + v0.9.3-only rows, the latter deprecated)
    for r in read_csv(ref / "ecologits_models.csv"):
        provider = PROVIDER_MAP[r["provider"]]
        old = r["ecologits_version"].startswith("0.9.3")
        est = r["estimate"] == "yes"
        urls = r["sources"].split()
        ow = None
        if provider == "huggingface":
            ow = r["model"]
        elif not est:
            hf = [HF_URL.match(u) for u in urls]
            hf_ids = [m.group(1) for m in hf if m]
            ow = hf_ids[0] if hf_ids else None
        m = _model(
            provider,
            r["model"],
            r["architecture"],
            (float(r["total_params_b_min"]), float(r["total_params_b_max"])),
            (float(r["active_params_b_min"]), float(r["active_params_b_max"])),
            estimated=est,
            estimate_note=ESTIMATE_NOTE if est else None,
            tokens_per_s=num(float(r["openrouter_tps"])) if r["openrouter_tps"] else None,
            ttft_s=num(float(r["openrouter_ttft_s"])) if r["openrouter_ttft_s"] else None,
            open_weights=ow,
            deprecated=old,
            sources=[
                *urls,
                (ECOLOGITS_OLD + " models.json; dropped in 0.11.3") if old else (ECOLOGITS + " models.json"),
            ],
            version="0.9.3" if old else "0.11.3",
        )
        if m["tokens_per_s"] is not None:
            m["sources"].append("tokens_per_s/ttft_s: OpenRouter statistics as recorded by EcoLogits")
        models[(provider, r["model"])] = m

    # 2. Open-weight model table (overrides EcoLogits parameter counts for the same repository)
    for r in read_csv(ref / "open_weight_models.csv"):
        key = ("huggingface", r["hf_repo"])
        total, active = float(r["total_params_b"]), float(r["active_params_b"])
        prov = f"reference-data open_weight_models.csv ({r['verification']})"
        if key in models:
            m = models[key]
            m["total_params_b"] = [num(total), num(total)]
            m["active_params_b"] = [num(active), num(active)]
            m["architecture"] = r["architecture"]
            m["sources"] = [r["source_url"], prov, *[s for s in m["sources"] if s != r["source_url"]]]
        else:
            models[key] = _model(
                "huggingface",
                r["hf_repo"],
                r["architecture"],
                (total, total),
                (active, active),
                open_weights=r["hf_repo"],
                sources=[r["source_url"], prov],
                version="ow",
            )

    # 3. Precision overrides
    for r in read_csv(CURATED / "precision.csv"):
        m = models[(r["provider"], r["name"])]
        m["precision"] = r["precision"]
        m["sources"].append(f"precision {r['precision']}: {r['source']}")

    # 4. Curated provider ids mapped to catalogue facts
    for r in read_csv(CURATED / "models_map.csv"):
        tp, tn = r["facts_from"].split("|", 1)
        if (tp, tn) not in models:
            raise BuildError(f"models_map {r['provider']}/{r['name']}: unknown facts_from {r['facts_from']}")
        t = models[(tp, tn)]
        key = (r["provider"], r["name"])
        if key in models:
            raise BuildError(f"models_map duplicates {key}")
        note = r["note"] or None
        est_note = t["estimate_note"]
        if t["estimated"] and note:
            est_note = f"{note}. {est_note}"
        m = _model(
            r["provider"],
            r["name"],
            t["architecture"],
            tuple(t["total_params_b"]),
            tuple(t["active_params_b"]),
            precision=r["precision"] or t["precision"],
            estimated=t["estimated"],
            estimate_note=est_note,
            open_weights=r["name"] if r["provider"] == "huggingface" else t["open_weights"],
            deprecated=r["deprecated"] == "true",
            sources=[
                *r["source"].split(" ; "),
                f"parameters from catalogue entry {tp}/{tn}: {t['sources'][0]}",
            ],
            version="curated",
        )
        if note and not t["estimated"]:
            m["sources"].append(f"note: {note}")
        if r["aliases"]:
            m["aliases"] = r["aliases"].split(";")
        models[key] = m

    # 5. Aliases. Explicit ones first (model_aliases.csv for the direct providers, then curated/aliases.csv),
    #    then the twin rule: an undated id (or X-latest) whose only dated twin in the same EcoLogits release
    #    has identical parameters becomes an alias of the dated id.
    explicit: list[tuple[str, str, str, str]] = []
    for r in read_csv(ref / "model_aliases.csv"):
        provider = PROVIDER_MAP.get(r["provider"])
        if provider is None or not r["canonical"] or r["canonical"] == r["name"]:
            if provider == "mistral" and r["canonical_open_weights"] and (provider, r["name"]) in models:
                models[(provider, r["name"])]["open_weights"] = r["canonical_open_weights"]
            continue
        why = r["kind"] + (f", as of {r['as_of']}" if r["as_of"] else "")
        explicit.append(
            (
                provider,
                r["name"],
                r["canonical"],
                f"alias {r['name']} -> {r['canonical']} ({why}): {r['source']}",
            )
        )
        if provider == "mistral" and r["canonical_open_weights"] and (provider, r["canonical"]) in models:
            models[(provider, r["canonical"])]["open_weights"] = r["canonical_open_weights"]
    for r in read_csv(CURATED / "aliases.csv"):
        explicit.append(
            (
                r["provider"],
                r["alias"],
                r["canonical"],
                f"alias {r['alias']} -> {r['canonical']} (as of {r['as_of']}): {r['source']}",
            )
        )

    twins: list[tuple[str, str, str, str]] = []
    by_provider: dict[str, list[dict[str, Any]]] = {}
    for m in models.values():
        by_provider.setdefault(m["provider"], []).append(m)
    for provider, ms in by_provider.items():
        if provider not in ("openai", "anthropic", "mistral", "google", "cohere"):
            continue
        for m in ms:
            base = m["name"].removesuffix("-latest")
            cands = [
                o
                for o in ms
                if o is not m
                and o["name"].startswith(base + "-")
                and DATE_SUFFIX.match(o["name"][len(base) + 1 :])
                and o["_version"] == m["_version"]
                and o["total_params_b"] == m["total_params_b"]
                and o["active_params_b"] == m["active_params_b"]
            ]
            if len(cands) == 1:
                rel = "EcoLogits 0.11.3" if m["_version"] == "0.11.3" else "EcoLogits v0.9.3"
                twins.append(
                    (
                        provider,
                        m["name"],
                        cands[0]["name"],
                        f"alias {m['name']} -> {cands[0]['name']} (undated/rolling id "
                        "whose only dated twin in "
                        f"{rel} has identical parameters; valid as of the reference data 2026-11)",
                    )
                )

    explicit_names = {(p, a) for p, a, _, _ in explicit}
    alias_list = explicit + [t for t in twins if (t[0], t[1]) not in explicit_names]
    target: dict[tuple[str, str], tuple[str, str]] = {}
    for provider, alias, canonical, src in alias_list:
        if (provider, alias) in target:
            continue
        target[(provider, alias)] = (canonical, src)

    def resolve(provider: str, name: str, seen: set[str]) -> str:
        if (provider, name) in target and name not in seen:
            seen.add(name)
            return resolve(provider, target[(provider, name)][0], seen)
        return name

    for (provider, alias), (_canonical, src) in sorted(target.items()):
        final = resolve(provider, alias, set())
        if final == alias:
            raise BuildError(f"alias cycle at {provider}/{alias}")
        if (provider, final) not in models:
            raise BuildError(f"alias {provider}/{alias}: canonical {final} not in catalogue")
        m = models[(provider, final)]
        old = models.pop((provider, alias), None)
        if old is not None:
            if m["tokens_per_s"] is None and old["tokens_per_s"] is not None:
                m["tokens_per_s"], m["ttft_s"] = old["tokens_per_s"], old["ttft_s"]
            for a in old["aliases"]:
                if a not in m["aliases"]:
                    m["aliases"].append(a)
        if alias not in m["aliases"]:
            m["aliases"].append(alias)
        if src not in m["sources"]:
            m["sources"].append(src)

    out = []
    for key in sorted(models):
        m = models[key]
        if m["provider"] not in PROVIDERS:
            raise BuildError(f"unknown provider {m['provider']}")
        m["aliases"] = sorted(set(m["aliases"]))
        del m["_version"]
        out.append(m)
    _check_models(out)
    return out


def _check_models(models: list[dict[str, Any]]) -> None:
    names: dict[str, set[str]] = {}
    for m in models:
        names.setdefault(m["provider"], set()).add(m["name"])
    seen_alias: set[tuple[str, str]] = set()
    for m in models:
        for a in m["aliases"]:
            if a in names[m["provider"]]:
                raise BuildError(f"alias {m['provider']}/{a} equals a model name")
            if (m["provider"], a) in seen_alias:
                raise BuildError(f"alias {m['provider']}/{a} used twice")
            seen_alias.add((m["provider"], a))
        t, a = m["total_params_b"], m["active_params_b"]
        if not (0 < t[0] <= t[1] and 0 < a[0] <= a[1] and a[1] <= t[1]):
            raise BuildError(f"bad parameters for {m['provider']}/{m['name']}")
        if not m["sources"]:
            raise BuildError(f"no source for {m['provider']}/{m['name']}")
