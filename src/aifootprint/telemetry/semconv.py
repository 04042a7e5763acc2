"""Every telemetry name aifootprint emits: ``gen_ai.*`` semantic conventions and ``aifootprint.*`` names.

The ``gen_ai.*`` names follow the OpenTelemetry GenAI semantic conventions (checked against
opentelemetry-semantic-conventions 0.66b2): ``gen_ai.provider.name`` replaces the deprecated
``gen_ai.system``. docs/telemetry.md lists every name with its unit.
"""

from __future__ import annotations

from typing import Final

from .._layout import INDICATORS
from .._values import UNITS

# -- OpenTelemetry semantic conventions ----------------------------------------------------------------------
GEN_AI_PROVIDER_NAME: Final = "gen_ai.provider.name"
GEN_AI_REQUEST_MODEL: Final = "gen_ai.request.model"
GEN_AI_RESPONSE_MODEL: Final = "gen_ai.response.model"
GEN_AI_OPERATION_NAME: Final = "gen_ai.operation.name"
GEN_AI_TOKEN_TYPE: Final = "gen_ai.token.type"
SERVER_ADDRESS: Final = "server.address"
SERVER_PORT: Final = "server.port"

GEN_AI_CLIENT_TOKEN_USAGE: Final = "gen_ai.client.token.usage"
GEN_AI_CLIENT_OPERATION_DURATION: Final = "gen_ai.client.operation.duration"
#: Advisory histogram buckets given by the semantic conventions for the two client metrics.
TOKEN_USAGE_BUCKETS: Final = (
    1,
    4,
    16,
    64,
    256,
    1024,
    4096,
    16384,
    65536,
    262144,
    1048576,
    4194304,
    16777216,
    67108864,
)
DURATION_BUCKETS: Final = (
    0.01,
    0.02,
    0.04,
    0.08,
    0.16,
    0.32,
    0.64,
    1.28,
    2.56,
    5.12,
    10.24,
    20.48,
    40.96,
    81.92,
)

#: Catalogue provider -> well-known ``gen_ai.provider.name`` value (others are passed through unchanged).
PROVIDER_NAMES: Final[dict[str, str]] = {
    "azure-openai": "azure.ai.openai",
    "bedrock": "aws.bedrock",
    "google": "gcp.gen_ai",
    "mistral": "mistral_ai",
    "xai": "x_ai",
}
#: aifootprint operation -> ``gen_ai.operation.name`` value (others are passed through unchanged).
OPERATION_NAMES: Final[dict[str, str]] = {"text": "text_completion"}

# -- aifootprint attributes ----------------------------------------------------------------------------------
KIND: Final = "aifootprint.kind"  # api | local
ZONE: Final = "aifootprint.zone"
BOUNDARY: Final = "aifootprint.boundary"
SHARE: Final = "aifootprint.share"  # usage | embodied: their sum is the total
HAS_IMPACTS: Final = "aifootprint.has_impacts"
ERROR: Final = "aifootprint.error"  # why an entry has no impacts (a stable code)
WARNINGS: Final = "aifootprint.warnings"
CALLS: Final = "aifootprint.calls"  # span attribute: instrumented calls summed on the span
LABEL_PREFIX: Final = "aifootprint.label."

# -- OpenTelemetry metrics -----------------------------------------------------------------------------------
METER_NAME: Final = "aifootprint"
ENTRIES: Final = "aifootprint.entries"


def impact_metric(indicator: str, bound: str = "value") -> str:
    """``aifootprint.energy``, ``aifootprint.energy.low``, ``aifootprint.energy.high``..."""
    return f"aifootprint.{indicator}" if bound == "value" else f"aifootprint.{indicator}.{bound}"


#: Span attribute suffix per indicator: ``aifootprint.energy_kwh``, ``aifootprint.gwp_kgco2eq``...
SPAN_UNITS: Final[dict[str, str]] = {i: UNITS[i].lower() for i in INDICATORS}


def span_attribute(indicator: str, bound: str = "value") -> str:
    """``aifootprint.gwp_kgco2eq``, ``aifootprint.gwp_kgco2eq.low``, ``aifootprint.gwp_kgco2eq.high``..."""
    name = f"aifootprint.{indicator}_{SPAN_UNITS[indicator]}"
    return name if bound == "value" else f"{name}.{bound}"


# -- Prometheus ----------------------------------------------------------------------------------------------
#: Unit part of the Prometheus metric names (lower case, as Prometheus names are).
PROM_UNITS: Final[dict[str, str]] = {
    "energy": "kwh",
    "gwp": "kgco2eq",
    "adpe": "kgsbeq",
    "pe": "mj",
    "water": "liters",
}
PROM_ENTRIES: Final = "aifootprint_entries"
PROM_INPUT_TOKENS: Final = "aifootprint_input_tokens"
PROM_OUTPUT_TOKENS: Final = "aifootprint_output_tokens"
PROM_LABEL_PREFIX: Final = "label_"


def prom_impact_metric(indicator: str, bound: str = "value") -> str:
    """Counter family name without ``_total``: ``aifootprint_energy_kwh``, ``aifootprint_energy_low_kwh``."""
    mid = "" if bound == "value" else f"_{bound}"
    return f"aifootprint_{indicator}{mid}_{PROM_UNITS[indicator]}"


def provider_name(provider: str | None, host: str | None) -> str | None:
    """The ``gen_ai.provider.name`` of a catalogue provider (Google split by endpoint when known)."""
    if provider is None:
        return None
    if provider == "google" and host:
        if "aiplatform.googleapis.com" in host:
            return "gcp.vertex_ai"
        if "generativelanguage.googleapis.com" in host:
            return "gcp.gemini"
    return PROVIDER_NAMES.get(provider, provider)


def operation_name(operation: str | None) -> str | None:
    """The ``gen_ai.operation.name`` of an aifootprint operation (``text`` -> ``text_completion``)."""
    if operation is None:
        return None
    return OPERATION_NAMES.get(operation, operation)
