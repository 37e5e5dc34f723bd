"""The README's "Pairing with a database tap" shows the configuration the tap-postgres test runs."""

from __future__ import annotations

import re
from typing import Any

import yaml

from .shop_pipelines import ROOT, TAP_PIP_URL, TAP_POSTGRES, TARGETS, extractor_name


def _pairing_yaml() -> list[Any]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Pairing with a database tap", 1)[1].split("\n## ", 1)[0]
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", section, re.DOTALL)]


def test_readme_extractors_are_the_tested_ones() -> None:
    plugins, _ = _pairing_yaml()
    tap, *inheriting = plugins["plugins"]["extractors"]
    assert tap["pip_url"] == TAP_PIP_URL
    assert tap["metadata"] == TAP_POSTGRES["metadata"]
    assert tap["settings"] == TAP_POSTGRES["settings"]
    assert set(tap["config"]) | {"password"} == set(TAP_POSTGRES["config"])
    assert {e["name"]: e["select"] for e in inheriting} == {
        extractor_name(vendor): target["select"] for vendor, target in TARGETS.items()
    }
    assert all(e["inherit_from"] == "tap-postgres" for e in inheriting)


def test_readme_loader_maps_are_the_tested_ones() -> None:
    _, loaders = _pairing_yaml()
    for loader in loaders:
        vendor = loader["name"].removeprefix("target-")
        config = loader["config"]
        assert config["entities"] == TARGETS[vendor]["entities"], vendor
        assert config["stream_maps"] == TARGETS[vendor]["stream_maps"], vendor
        assert config["skip_unchanged"] is True
        assert {k: v for k, v in config.items() if k in ("list_id", "shop")} == {
            k: v for k, v in TARGETS[vendor]["config"].items() if k in ("list_id", "shop")
        }
    assert sorted(loader["name"] for loader in loaders) == sorted(f"target-{vendor}" for vendor in TARGETS)
