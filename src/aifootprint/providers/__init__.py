"""Supported SDKs: instrument name -> provider module (each defines ``ADAPTER``)."""

from __future__ import annotations

from typing import Final

PROVIDER_MODULES: Final[dict[str, str]] = {
    "openai": "aifootprint.providers.openai",
    "anthropic": "aifootprint.providers.anthropic",
    "mistralai": "aifootprint.providers.mistralai",
    "cohere": "aifootprint.providers.cohere",
    "google_genai": "aifootprint.providers.google_genai",
    "huggingface_hub": "aifootprint.providers.huggingface_hub",
    "litellm": "aifootprint.providers.litellm",
    "groq": "aifootprint.providers.groq",
    "together": "aifootprint.providers.together",
    "bedrock": "aifootprint.providers.bedrock",
    "ollama": "aifootprint.providers.ollama",
}

#: Other spellings accepted by ``instrument(providers=[...])``.
ALIASES: Final[dict[str, str]] = {
    "google-genai": "google_genai",
    "google": "google_genai",
    "gemini": "google_genai",
    "huggingface-hub": "huggingface_hub",
    "huggingface": "huggingface_hub",
    "hf": "huggingface_hub",
    "mistral": "mistralai",
    "boto3": "bedrock",
    "aws-bedrock": "bedrock",
}
