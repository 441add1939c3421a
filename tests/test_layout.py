"""The package's shape: stages import one way (import-linter checks the whole contract in .ci/run), and the
service and de-identification never load the training-text generators."""

import subprocess
import sys

import pytest


@pytest.mark.parametrize("module", ["phiner.serve", "phiner.anonymize", "phiner.jobs.batch", "phiner.analyze.tagger"])
def test_given_a_runtime_package_then_importing_it_loads_no_generator(module):
    code = (
        f"import sys, {module}; "
        "print(sorted(m for m in sys.modules if m.startswith('phiner.data.synth') or 'notes' in m))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "[]"


def test_given_the_layers_contract_then_import_linter_keeps_it():
    import shutil
    from pathlib import Path

    linter = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    if not Path(linter).exists():
        pytest.skip("import-linter is not installed (pip install -e '.[dev]' installs it)")
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([linter], capture_output=True, text=True, cwd=root, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 kept, 0 broken" in result.stdout


def test_given_the_contracts_then_they_name_the_pipelines_layers():
    from pathlib import Path

    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())
    layers, independence = config["tool"]["importlinter"]["contracts"]
    rows = [set(row.split(" | ")) for row in layers["layers"]]
    level = {module: i for i, row in enumerate(rows) for module in row}
    assert level["phiner.jobs"] < level["phiner.pipeline"] and level["phiner.serve"] < level["phiner.pipeline"]
    assert level["phiner.pipeline"] < level["phiner.analyze"] == level["phiner.anonymize"]
    assert independence["type"] == "independence"
    assert set(independence["modules"]) == {"phiner.analyze", "phiner.anonymize"}
