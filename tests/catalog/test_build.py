"""The compiler end to end: CLI exit codes, --check, atomic writes, byte-stable output, the version."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import jsonschema
import orjson
import pytest

from catalog_build import yaml_source
from catalog_build.build import build
from catalog_build.cli import main
from tests.catalog.sources import CHAT, write_source

ARTIFACTS = ["__init__.py", "catalog.json", "catalog.py", "catalog.schema.json", "catalog_src.schema.json", "models.json"]


def run(src: Path, out: Path, *extra: str) -> int:
    return main(["--src", str(src), "--out", str(out), *extra])


def load_module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # NamedTuple classes resolve their module while the file executes
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)
    return write_source(tmp_path), tmp_path / "generated"


def test_build_writes_every_artifact(project: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    src, out = project
    assert run(src, out) == 0
    assert sorted(p.name for p in out.iterdir()) == ARTIFACTS
    assert "changed: __init__.py, catalog.json" in capsys.readouterr().out


def test_second_build_is_byte_identical_and_writes_nothing(project: tuple[Path, Path]) -> None:
    src, out = project
    assert run(src, out) == 0
    first = {name: (out / name).read_bytes() for name in ARTIFACTS}
    mtimes = {name: (out / name).stat().st_mtime_ns for name in ARTIFACTS}
    assert run(src, out) == 0
    assert {name: (out / name).read_bytes() for name in ARTIFACTS} == first
    assert {name: (out / name).stat().st_mtime_ns for name in ARTIFACTS} == mtimes
    assert build(src) == first


def test_check_names_each_stale_file_and_writes_nothing(project: tuple[Path, Path],
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    src, out = project
    assert run(src, out) == 0
    assert run(src, out, "--check") == 0
    (src / "models" / "acme.yaml").write_text((src / "models" / "acme.yaml").read_text().replace('"10"', '"11"'))
    before = {name: (out / name).read_bytes() for name in ARTIFACTS}
    capsys.readouterr()
    assert run(src, out, "--check") == 1
    err = capsys.readouterr().err
    for name in ["catalog.json", "catalog.py", "catalog.schema.json", "catalog_src.schema.json", "models.json"]:
        assert f"stale: generated/{name} differs from a fresh build" in err
    assert "__init__.py" not in err
    assert err.endswith("run: .venv/bin/python scripts/build_catalog.py --src src --out generated\n")
    assert {name: (out / name).read_bytes() for name in ARTIFACTS} == before


def test_check_reports_missing_output(project: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    src, out = project
    assert run(src, out, "--check") == 1
    assert capsys.readouterr().err.count("stale:") == len(ARTIFACTS)
    assert not out.exists()


def test_any_output_folder_builds_the_same_bytes_and_is_checked_on_its_own(
        project: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    src, out = project
    elsewhere = out.parent / "build" / "catalog"  # the sources' schema comments point at generated/, not here
    assert run(src, elsewhere, "--check") == 1
    err = capsys.readouterr().err
    assert all(f"stale: build/catalog/{name} is missing\n" in err for name in ARTIFACTS)
    assert err.endswith("run: .venv/bin/python scripts/build_catalog.py --src src --out build/catalog\n")
    assert not elsewhere.exists()
    assert run(src, elsewhere) == 0
    assert run(src, elsewhere, "--check") == 0
    assert capsys.readouterr().out.endswith("build/catalog/ is up to date (6 files)\n")
    assert run(src, out, "--check") == 1  # each folder is checked on its own: generated/ was never built
    assert run(src, out) == 0
    assert {name: (elsewhere / name).read_bytes() for name in ARTIFACTS} == {name: (out / name).read_bytes()
                                                                             for name in ARTIFACTS}


def test_invalid_source_exits_2_and_leaves_output_untouched(project: tuple[Path, Path],
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    src, out = project
    assert run(src, out) == 0
    before = {name: (out / name).read_bytes() for name in ARTIFACTS}
    (src / "models" / "acme.yaml").write_text((src / "models" / "acme.yaml").read_text().replace('"10"', '"-10"'))
    assert run(src, out) == 2
    err = capsys.readouterr().err
    assert "src/models/acme.yaml:10:41: models[0].prices[0].tokens.output: price '-10' is negative" in err
    assert "catalog invalid: 1 problem(s); nothing written" in err
    assert {name: (out / name).read_bytes() for name in ARTIFACTS} == before
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temp files left behind


def test_version_tracks_content_not_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    base = build(write_source(tmp_path / "a"))
    commented = CHAT.replace("    modality: text", "    # a comment\n    modality:   text")
    same = build(write_source(tmp_path / "b", commented))
    changed = build(write_source(tmp_path / "c", CHAT.replace('"10"', '"10.5"')))

    def version(files: dict[str, bytes]) -> str:
        return str(orjson.loads(files["catalog.json"])["catalog_version"])

    assert version(base) == version(same)
    assert version(base) != version(changed)
    for files in (base, changed):
        for name in ARTIFACTS[1:]:
            assert version(files).encode() in files[name], name


def test_output_validates_against_its_schema(project: tuple[Path, Path]) -> None:
    src, _ = project
    files = build(src)
    schema = orjson.loads(files["catalog.schema.json"])
    jsonschema.Draft202012Validator(schema).validate(orjson.loads(files["catalog.json"]))
    broken = orjson.loads(files["catalog.json"])
    broken["models"][0]["prices"][0]["tokens"]["input"] = 1.25  # a float where a decimal string belongs
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(broken)


def test_source_schema_accepts_the_sources(project: tuple[Path, Path]) -> None:
    src, _ = project
    schema = orjson.loads(build(src)["catalog_src.schema.json"])
    validator = jsonschema.Draft202012Validator(schema)
    for path in [src / "settings.yaml", src / "providers.yaml", src / "models" / "acme.yaml"]:
        doc, problems = yaml_source.load(path, str(path))  # editors see dates as strings, as our loader does
        assert doc and not problems
        validator.validate(doc.data)
    assert not validator.is_valid({"models": [], "provider": "acme", "colour": "red"})


def test_generated_module_imports_and_looks_up(project: tuple[Path, Path]) -> None:
    src, out = project
    models = CHAT.replace("    modality", "    aliases: [acme/chat-1]\n    modality")
    write_source(src.parent, models)
    assert run(src, out) == 0
    module = load_module(out / "catalog.py", "generated_under_test")
    model = module.MODEL_INDEX["chat-1"]
    assert module.MODEL_INDEX["acme/chat-1"] is model
    assert model.prices[0].tokens.input.num == 5 and model.prices[0].tokens.input.den == 4
    with pytest.raises(AttributeError):
        model.id = "other"  # records are frozen
    with pytest.raises(TypeError):
        module.MODEL_INDEX["x"] = model  # the index is read-only
    assert module.MODELS[0] is model and len(module.MODELS) == 1 and list(module.MODEL_INDEX) == ["chat-1", "acme/chat-1"]
    assert module.MODEL_INDEX.get("nope") is None and "acme/chat-1" in module.MODEL_INDEX
    assert "    ModelId = Literal[\n        'chat-1',\n    ]" in (out / "catalog.py").read_text()
    assert (out / "catalog.py").read_text().startswith('"""Compiled model catalog — generated — do not edit.')
