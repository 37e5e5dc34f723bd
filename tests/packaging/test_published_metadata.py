"""What the packages publish: versions, licence, long descriptions, dependency ranges, Hub definitions.

The settings tables in the READMEs and the Hub definitions are generated from ``--about`` by
scripts/package_docs.py; these tests fail when one is stale, when a Hub definition says something
``--about`` does not, or when it and the loaders of the repository's meltano.yml disagree.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

from .conftest import PACKAGES, ROOT

TARGETS = [name for name in PACKAGES if name.startswith("target-")]
#: What Meltano Hub's loader definitions may hold (its plugin-definition schema), and its setting kinds.
HUB_REQUIRED = {"name", "namespace", "variant", "label"}
HUB_KEYS = HUB_REQUIRED | {
    "description", "pip_url", "executable", "capabilities", "settings", "settings_group_validation",
    "keywords", "maintenance_status", "repo", "docs", "logo_url", "domain_url", "usage", "settings_preamble",
}  # fmt: skip
HUB_SETTING_KEYS = {"name", "kind", "label", "description", "value", "options", "sensitive", "hidden", "documentation"}
HUB_KINDS = {"string", "integer", "decimal", "boolean", "date_iso8601", "email", "file", "options", "object", "array"}


def _pyproject(package: str) -> dict[str, Any]:
    project: dict[str, Any] = tomllib.loads((ROOT / package / "pyproject.toml").read_text())["project"]
    return project


def _about(target: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", target.replace("-", "_"), "--about", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    about: dict[str, Any] = json.loads(done.stdout)
    return about


def _hub(target: str) -> dict[str, Any]:
    definition: dict[str, Any] = yaml.safe_load((ROOT / target / "hub" / f"{target}.yml").read_text())
    return definition


def _meltano_loader(target: str) -> dict[str, Any]:
    loaders = yaml.safe_load((ROOT / "meltano.yml").read_text())["plugins"]["loaders"]
    (loader,) = [loader for loader in loaders if loader["name"] == target]
    return dict(loader)


def test_generated_readme_tables_and_hub_definitions_are_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "package_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"run scripts/package_docs.py:\n{done.stdout}{done.stderr}"


@pytest.mark.parametrize("target", TARGETS)
def test_hub_definition_says_what_about_says(target: str) -> None:
    about, hub = _about(target), _hub(target)
    assert HUB_REQUIRED <= set(hub) <= HUB_KEYS, set(hub) ^ HUB_KEYS
    for setting in hub["settings"]:
        assert set(setting) <= HUB_SETTING_KEYS and setting["kind"] in HUB_KINDS, setting
    assert (hub["name"], hub["executable"], hub["pip_url"]) == (target, target, target)
    assert hub["namespace"] == target.replace("-", "_")
    assert hub["variant"] and hub["label"] and hub["description"] == about["description"]
    assert sorted(hub["capabilities"]) == sorted(about["capabilities"])
    settings = {setting["name"]: setting for setting in hub["settings"]}
    # Every --about property is a setting, or (an object of named settings) the prefix of some.
    for name, schema in about["settings"]["properties"].items():
        nested = [other for other in settings if other.startswith(f"{name}.")]
        assert name in settings or nested, name
        if name not in settings:
            continue
        setting = settings[name]
        assert setting.get("sensitive", False) == bool(schema.get("secret")), name
        assert setting.get("value") == schema.get("default"), name
        assert [option["value"] for option in setting.get("options", [])] == schema.get("enum", []), name
        assert (setting["kind"] == "options") == ("enum" in schema), name
        assert setting["description"] == " ".join(schema.get("description", "").split()), name
    assert {name.split(".")[0] for name in settings} == set(about["settings"]["properties"])
    for group in hub["settings_group_validation"]:
        assert group and set(group) <= set(settings)


@pytest.mark.parametrize("target", TARGETS)
def test_meltano_yml_loader_agrees_with_hub_definition(target: str) -> None:
    hub, loader = _hub(target), _meltano_loader(target)
    assert (loader["namespace"], loader["executable"]) == (hub["namespace"], hub["executable"])
    published = {setting["name"]: setting for setting in hub["settings"]}
    declared = {setting["name"]: setting for setting in loader["settings"]}
    assert set(declared) <= set(published), "meltano.yml declares settings the loader does not have"
    # Read in a fresh interpreter: instantiating a target (other tests do, in-process) adds the
    # SDK's own capability settings to the class's `config_jsonschema`.
    module = f"{target.replace('-', '_')}.target"
    script = (
        f"import json, {module} as m; "
        f"(c,) = [v for n, v in vars(m).items() if n.lower() == {target.replace('-', '')!r}]; "
        "print(json.dumps(list(c.config_jsonschema['properties'])))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    own = set(json.loads(done.stdout))
    assert own <= set(declared), f"meltano.yml lacks the loader's settings {sorted(own - set(declared))}"
    for name, setting in declared.items():
        assert setting.get("sensitive", False) == published[name].get("sensitive", False), name
        options = [option["value"] for option in setting.get("options", [])]
        assert options == [option["value"] for option in published[name].get("options", [])], name


@pytest.mark.parametrize("target", TARGETS)
def test_version_prints_the_package_version(target: str) -> None:
    version = _pyproject(target)["version"]
    done = subprocess.run(
        [sys.executable, "-m", target.replace("-", "_"), "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith(f"{target} v{version},"), done.stdout
    assert _about(target)["version"] == version


def test_packages_share_one_version_a_licence_and_the_tested_dependency_ranges() -> None:
    projects = {package: _pyproject(package) for package in PACKAGES}
    assert len({project["version"] for project in projects.values()}) == 1
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(
        rf"^## \[{re.escape(projects['api-target-kit']['version'])}\] - \d{{4}}-\d\d-\d\d$", changelog, re.M
    )
    sdk_ranges = set()
    for package, project in projects.items():
        assert project["license"] == "Apache-2.0"
        assert (ROOT / package / "LICENSE").read_text().lstrip().startswith("Apache License")
        assert (ROOT / package / project["readme"]).exists()
        for text in project["dependencies"]:
            requirement = Requirement(text)
            assert any(spec.operator in ("<", "<=", "~=", "==") for spec in requirement.specifier), text
            assert any(spec.operator in (">=", "~=", "==") for spec in requirement.specifier), text
            # The version the tests run on lies in the range declared.
            assert requirement.specifier.contains(installed_version(requirement.name)), text
            if requirement.name == "singer-sdk":
                sdk_ranges.add(str(requirement.specifier))
            if requirement.name == "api-target-kit":
                assert requirement.specifier.contains(projects["api-target-kit"]["version"]), package
        if package.startswith("target-"):
            assert "api-target-kit" in {Requirement(text).name for text in project["dependencies"]}
            scripts = project["scripts"]
            assert set(scripts) == {package, f"{package}-sandbox"}
    assert len(sdk_ranges) == 1, sdk_ranges


@pytest.mark.parametrize("package", PACKAGES)
def test_wheel_and_sdist_carry_code_licence_and_readme(package: str, dist: Path) -> None:
    project = _pyproject(package)
    module = package.replace("-", "_")
    stem = f"{module}-{project['version']}"
    with zipfile.ZipFile(dist / f"{stem}-py3-none-any.whl") as wheel:
        names = set(wheel.namelist())
        metadata = Parser().parsestr(wheel.read(f"{stem}.dist-info/METADATA").decode())
        entry_points = wheel.read(f"{stem}.dist-info/entry_points.txt").decode() if package != "api-target-kit" else ""
    sources = {path.relative_to(ROOT / package).as_posix() for path in (ROOT / package / module).rglob("*.py")}
    assert sources <= names, sorted(sources - names)
    assert f"{module}/py.typed" in names
    assert f"{stem}.dist-info/licenses/LICENSE" in names
    assert metadata["Version"] == project["version"]
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert str(metadata.get_payload()).strip() == (ROOT / package / "README.md").read_text().strip()
    for script in project.get("scripts", {}):
        assert f"{script} = " in entry_points
    with tarfile.open(dist / f"{stem}.tar.gz") as sdist:
        members = {member.name.removeprefix(f"{stem}/") for member in sdist.getmembers()}
    assert {"README.md", "LICENSE", "pyproject.toml"} <= members
    if package.startswith("target-"):
        assert f"hub/{package}.yml" in members
