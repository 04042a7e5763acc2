"""The aifootprint command line: output, JSON, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from aifootprint.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse errors and --version
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_estimate_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "estimate", "openai/gpt-4o-mini", "--output-tokens", "400")
    assert code == 0, err
    for needle in (
        "Energy",
        "GHG emissions (GWP)",
        "Water consumption",
        "Abiotic resources",
        "Primary energy",
        "Usage",
        "Embodied",
        "Wh",
        "CO2eq",
        "cm driven by an average new EU car",
        "% of a full smartphone charge",
        "s of a ~9 W LED bulb",
        "zone-defaulted",
    ):
        assert needle in out, needle


def test_equivalents_scale_with_requests(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "estimate", "openai/gpt-4o-mini", "--output-tokens", "400", "--requests", "1e6"
    )
    assert code == 0
    assert "1,000,000 requests" in out
    assert " km driven by" in out and "× full smartphone charge" in out and " h of a ~9 W LED bulb" in out


def test_estimate_json_and_options(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "estimate",
        "openai/gpt-4o-mini",
        "--output-tokens",
        "400",
        "--input-tokens",
        "2000",
        "--zone",
        "FRA",
        "--requests",
        "1e6",
        "--json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["zone"] == "FRA" and doc["requests"] == 1e6
    gwp = doc["impacts"]["gwp"]
    assert gwp["low"] <= gwp["value"] <= gwp["high"] and gwp["unit"] == "kgCO2eq"
    code, out1, _ = run(
        capsys,
        "estimate",
        "openai/gpt-4o-mini",
        "--output-tokens",
        "400",
        "--input-tokens",
        "2000",
        "--zone",
        "FRA",
        "--json",
    )
    assert json.loads(out1)["impacts"]["gwp"]["value"] * 1e6 == pytest.approx(gwp["value"], rel=1e-9)


def test_estimate_explain(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "estimate",
        "anthropic/claude-sonnet-4-5",
        "--output-tokens",
        "600",
        "--explain",
        "--boundary",
        "comprehensive",
        "--batch-size",
        "32,128",
    )
    assert code == 0
    assert "Factors:" in out and "idle/reserved capacity factor" in out and "boundary comprehensive" in out


def test_compare(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys,
        "compare",
        "openai/gpt-4o",
        "anthropic/claude-sonnet-4-5",
        "mistral/mistral-small",
        "--output-tokens",
        "400",
    )
    assert code == 0, err
    assert "openai/gpt-4o" in out and "GWP vs best" in out and "1×" in out


def test_models_and_zones(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "models", "--provider", "anthropic")
    assert code == 0 and "anthropic/claude" in out and "openai/" not in out
    code, out, _ = run(capsys, "models", "gpt-4o", "--json")
    assert code == 0 and all("gpt-4o" in (m["id"] + " ".join(m["aliases"])) for m in json.loads(out))
    code, out, _ = run(capsys, "zones", "FRA")
    assert code == 0 and "France" in out
    code, out, _ = run(capsys, "zones", "--json")
    assert code == 0 and len(json.loads(out)) > 200


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (("estimate", "openai/gpt-4o-mni", "--output-tokens", "10"), "close matches"),
        (("estimate", "openai/gpt-4o-mini", "--output-tokens", "-1"), "--output-tokens"),
        (("estimate", "openai/gpt-4o-mini", "--output-tokens", "ten"), "--output-tokens"),
        (("estimate", "openai/gpt-4o-mini", "--output-tokens", "10", "--zone", "MARS"), "aifootprint zones"),
        (("estimate", "openai/gpt-4o-mini"), "--output-tokens"),
        (
            ("estimate", "openai/gpt-4o-mini", "--output-tokens", "10", "--gpu", "TPU9000"),
            "unknown accelerator",
        ),
        (("estimate", "openai/gpt-4o-mini", "--output-tokens", "10", "--pue", "0.5"), "pue"),
        (("frobnicate",), "invalid choice"),
    ],
)
def test_errors_are_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], needle: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("aifootprint: error:")
    assert needle in err
    assert "Traceback" not in err


def test_bad_config_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    from pathlib import Path

    Path("aifootprint.toml").write_text("zome = 1\n", encoding="utf-8")
    code, _, err = run(capsys, "estimate", "openai/gpt-4o-mini", "--output-tokens", "10")
    assert code == 2 and "unknown key 'zome'" in err and err.count("\n") == 1


def test_console_entry_point_runs() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aifootprint",
            "estimate",
            "openai/gpt-4o-mini",
            "--output-tokens",
            "400",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["impacts"]["energy"]["unit"] == "kWh"
