"""Write what each target publishes about its settings, generated from its ``--about``.

For every target this writes two things, both from ``<target> --about --format json`` so that
neither can drift from the code:

- ``target-x/README.md``: the table between the ``settings`` markers (the package's long
  description on PyPI);
- ``target-x/hub/target-x.yml``: the plugin definition in the shape Meltano Hub publishes
  (name, namespace, variant, pip_url, executable, capabilities, settings with kind, label,
  description, ``sensitive``, default ``value`` and ``options``, ``settings_group_validation``).

Usage: ``.venv/bin/python scripts/package_docs.py`` rewrites them; ``--check`` writes nothing and
exits 1 naming each stale file (tests/packaging runs it).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent

#: Meltano Hub's variant names who publishes a plugin; one name for the three loaders of this repository.
VARIANT = "api-target-kit"
#: Every loader needs its API key to deliver (``dry_run`` aside: api_target_kit.delivery_kit says so).
SETTINGS_GROUP_VALIDATION = [["api_key"]]
#: Words the labels spell in capitals.
ACRONYMS = {"api": "API", "url": "URL", "id": "ID", "sdk": "SDK"}
#: A JSON Schema type -> Meltano's setting kind.
KINDS = {
    "string": "string",
    "integer": "integer",
    "number": "decimal",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
}
BEGIN = "<!-- settings: generated from --about by scripts/package_docs.py; do not edit by hand -->"
END = "<!-- /settings -->"


@dataclass(frozen=True)
class Loader:
    """One target: its distribution (and executable) name, its import name and its vendor."""

    name: str
    module: str
    vendor: str

    @property
    def readme(self) -> Path:
        """The package's README (its long description)."""
        return ROOT / self.name / "README.md"

    @property
    def hub_file(self) -> Path:
        """The package's Meltano Hub plugin definition."""
        return ROOT / self.name / "hub" / f"{self.name}.yml"


LOADERS = [
    Loader("target-rfmcube", "target_rfmcube", "Rfmcube"),
    Loader("target-ecomail", "target_ecomail", "Ecomail"),
    Loader("target-connectif", "target_connectif", "Connectif"),
]


def read_about(loader: Loader, python: str = sys.executable) -> dict[str, Any]:
    """Return ``--about --format json`` of ``loader``, run with ``python`` (the one running this script)."""
    done = subprocess.run(
        [python, "-m", loader.module, "--about", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    about: dict[str, Any] = json.loads(done.stdout)
    return about


def _types(schema: Mapping[str, Any]) -> list[str]:
    """The JSON types ``schema`` allows other than null (``oneOf``/``anyOf`` branches included)."""
    found: list[str] = []
    declared = schema.get("type", [])
    for name in [declared] if isinstance(declared, str) else declared:
        if name != "null" and name not in found:
            found.append(name)
    for branch in [*schema.get("oneOf", []), *schema.get("anyOf", [])]:
        if isinstance(branch, Mapping):
            found.extend(name for name in _types(branch) if name not in found)
    return found


def setting_kind(schema: Mapping[str, Any]) -> str:
    """Meltano's kind for a setting: ``options`` for an enum; a list wins over text; text when in doubt."""
    if "enum" in schema:
        return "options"
    types = _types(schema)
    if "array" in types:
        return "array"
    if len(types) != 1:
        return "string"
    if types[0] == "string" and schema.get("format") == "date-time":
        return "date_iso8601"
    return KINDS.get(types[0], "string")


def label(name: str) -> str:
    """``max_requests_per_minute`` -> ``Max Requests Per Minute``; ``api_url`` -> ``API URL``."""
    words = name.replace("-", " ").replace("_", " ").split()
    return " ".join(ACRONYMS.get(word.lower(), word.capitalize()) for word in words)


def _is_group(schema: Mapping[str, Any]) -> bool:
    """An object whose named properties are settings of their own (``faker_config.seed``), as Hub lists them.

    An object whose other keys follow a schema (``stream_maps``: stream name -> map) or that names
    none (``entities``) is one setting.
    """
    extra = schema.get("additionalProperties", True)
    return bool(schema.get("properties")) and "object" in _types(schema) and not isinstance(extra, Mapping)


def _flatten(properties: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    for name, schema in properties.items():
        if _is_group(schema):
            yield from _flatten(schema["properties"], f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", schema


def hub_settings(about: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The settings of ``about`` as Hub setting definitions, in the order ``--about`` lists them."""
    settings = []
    for name, schema in _flatten(about["settings"]["properties"]):
        setting: dict[str, Any] = {"name": name, "kind": setting_kind(schema)}
        setting["label"] = schema.get("title") or label(name)
        setting["description"] = " ".join(str(schema.get("description", "")).split())
        if schema.get("secret"):
            setting["sensitive"] = True
        if "default" in schema:
            setting["value"] = schema["default"]
        if "enum" in schema:
            setting["options"] = [{"label": label(str(value)), "value": value} for value in schema["enum"]]
        settings.append(setting)
    return settings


def hub_definition(loader: Loader, about: Mapping[str, Any]) -> dict[str, Any]:
    """The Meltano Hub plugin definition of ``loader`` (settings sorted by name, as Hub lists them)."""
    return {
        "name": loader.name,
        "namespace": loader.module,
        "variant": VARIANT,
        "label": loader.vendor,
        "description": about["description"],
        "pip_url": loader.name,
        "executable": loader.name,
        "capabilities": sorted(about["capabilities"]),
        "keywords": ["meltano_sdk"],
        "maintenance_status": "active",
        "settings": sorted(hub_settings(about), key=lambda setting: setting["name"]),
        "settings_group_validation": SETTINGS_GROUP_VALIDATION,
    }


def hub_yaml(loader: Loader, about: Mapping[str, Any]) -> str:
    """The text of ``loader``'s Hub definition file."""
    header = f"# Generated from `{loader.name} --about` by scripts/package_docs.py; do not edit by hand.\n"
    body: str = yaml.safe_dump(hub_definition(loader, about), sort_keys=False, allow_unicode=True, width=100)
    return header + body


def _cell(value: Any) -> str:
    return "" if value is None else f"`{json.dumps(value)}`"


def settings_table(about: Mapping[str, Any]) -> str:
    """The Markdown table of ``about``'s settings (secrets marked), in ``--about``'s order."""
    rows = ["| Setting | Kind | Default | Description |", "|---|---|---|---|"]
    for setting in hub_settings(about):
        kind = setting["kind"] + (", secret" if setting.get("sensitive") else "")
        if "options" in setting:
            kind += ": " + " / ".join(f"`{option['value']}`" for option in setting["options"])
        description = setting["description"].replace("|", "\\|")
        rows.append(f"| `{setting['name']}` | {kind} | {_cell(setting.get('value'))} | {description} |")
    return "\n".join(rows) + "\n"


def readme_text(current: str, about: Mapping[str, Any]) -> str:
    """``current`` with the block between the markers replaced by the settings table."""
    start, end = current.index(BEGIN) + len(BEGIN), current.index(END)
    return current[:start] + "\n" + settings_table(about) + current[end:]


def expected_files(loader: Loader, about: Mapping[str, Any]) -> dict[Path, str]:
    """Each generated file of ``loader`` and the text it should have."""
    return {
        loader.readme: readme_text(loader.readme.read_text(), about),
        loader.hub_file: hub_yaml(loader, about),
    }


def main(argv: list[str] | None = None) -> int:
    """Rewrite the generated files, or with ``--check`` name the stale ones and exit 1."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file is stale")
    args = parser.parse_args(argv)
    stale = []
    for loader in LOADERS:
        for path, text in expected_files(loader, read_about(loader)).items():
            if path.exists() and path.read_text() == text:
                continue
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    for path in stale:
        print(f"{'stale' if args.check else 'rewrote'}: {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
