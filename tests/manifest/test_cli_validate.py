"""``reconciler validate`` and ``reconciler schema`` as a user runs them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator

from reconciler.cli import cli
from reconciler.manifest.yaml_marks import parse_documents

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "manifests"
CORPUS = Path(__file__).parent / "invalid"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_validate_examples_exits_zero_with_summary():
    result = run("validate", str(EXAMPLES))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "3 manifests valid: 3 customers, 3 contracts"


def test_validate_defaults_to_manifests_dir(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert "3 customers, 3 contracts" in result.stdout


def test_installed_console_script_validates_examples():
    script = shutil.which("reconciler", path=str(Path(sys.executable).parent))
    assert script, "the reconciler console script is installed in the venv"
    done = subprocess.run([script, "validate", "manifests/"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "3 manifests valid: 3 customers, 3 contracts"


def test_validate_stays_offline():
    code = ("import sys; from reconciler.cli import main\n"
            "try:\n    main(['validate', 'manifests/'])\nexcept SystemExit as e:\n    assert e.code in (0, None)\n"
            "assert 'httpx' not in sys.modules, 'validate imported httpx'\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


BAD_FILES = {
    "a.yaml": """\
apiVersion: reconciler/v1
kind: Customer
metadata:
  name: Acme Inc
spec:
  name: Acme
  colour: red
""",
    "b.yaml": """\
apiVersion: reconciler/v1
kind: Customer
metadata: {name: b
spec: {}
""",
    "sub/c.yaml": """\
apiVersion: reconciler/v1
kind: Contract
metadata:
  name: pro
spec:
  customer_id: 4c09936b-455d-4c72-a120-d71b600a7546
  rate_card: Standard 2025
  starting_at: 2025-04-23T00:00:00Z
  subscriptions:
    - key: pro
      product: Pro Plan
      billing_frequency: ANNUAL
      collection_schedule: ADVANCE
      quantity: -1
      proration: {is_prorated: true}
""",
    "sub/d.yml": """\
apiVersion: reconciler/v1
kind: Contract
metadata:
  name: enterprise
spec:
  customer_id: 4c09936b-455d-4c72-a120-d71b600a7546
  rate_card: Standard 2025
  starting_at: 2025-04-23T00:00:00Z
  ending_before: 2025-04-01T00:00:00Z
""",
    "notes.txt": "not a manifest: ignored\n",
}


def test_validate_lists_every_problem_of_every_file(tmp_path):
    for name, text in BAD_FILES.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    result = run("validate", str(tmp_path))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "5 problems found"
    assert [line.split(": ")[0] for line in lines[:-1]] == [
        f"{tmp_path}/a.yaml:4:3",       # metadata.name: not a valid name (schema)
        f"{tmp_path}/a.yaml:7:3",       # unknown field colour (schema)
        f"{tmp_path}/b.yaml:4:5",       # unclosed flow mapping (YAML)
        f"{tmp_path}/sub/c.yaml:14:7",  # negative quantity (schema)
        f"{tmp_path}/sub/d.yml:9:3",    # ending_before before starting_at (cross-field rule)
    ]
    assert "colour: unknown field 'colour'" in result.stderr
    assert "quantity: must be at least 0, got -1" in result.stderr
    assert "spec.ending_before: ending_before 2025-04-01 is not after starting_at 2025-04-23" in result.stderr
    assert result.stdout == ""


def test_validate_missing_path_is_an_error(tmp_path):
    result = run("validate", str(tmp_path / "nope"))
    assert result.exit_code == 1
    assert f"{tmp_path / 'nope'}:1:1: no such file or directory" in result.stderr


# --------------------------------------------------------------------------------------------------
# schema
# --------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def schema() -> dict:
    result = run("schema")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def validator(schema) -> Draft202012Validator:
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def documents(path: Path) -> list:
    parsed, problems = parse_documents(path.read_text(), str(path))
    assert not problems
    return [d.data for d in parsed]


def test_schema_header(schema):
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "reconciler manifest (reconciler/v1)"
    assert {one["$ref"] for one in schema["oneOf"]} == {"#/$defs/CustomerManifest", "#/$defs/ContractManifest"}


def test_schema_carries_field_docstrings(schema):
    key = schema["$defs"]["Subscription"]["properties"]["key"]
    assert key["description"].startswith("Stable manifest key of this subscription")


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_schema_accepts_every_example(validator, example):
    docs = documents(example)
    assert len(docs) == 2
    for doc in docs:
        assert not list(validator.iter_errors(doc)), [e.message for e in validator.iter_errors(doc)]


@pytest.mark.parametrize("case", ["unknown_list_item_field", "bad_enum", "missing_required_in_item",
                                  "wrong_type_number", "bad_kind", "negative_quantity"])
def test_schema_rejects_bad_manifests(validator, case):
    docs = documents(CORPUS / f"{case}.yaml")
    assert any(not validator.is_valid(doc) for doc in docs)
