"""The default recipe builds the shipped model's data from the repo and Nor-DeID, and refuses what it cannot use."""

from __future__ import annotations

import json

import pytest

from conftest import run_cli
from phiner.core.errors import PhinerError
from phiner.train.recipes import CALIBRATION_FROM, prepare_default, recipe


def lines(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def test_given_the_default_recipe_then_its_data_is_built_split_and_template_disjoint(tmp_path, nordeid_dir):
    built = prepare_default(nordeid_dir, tmp_path / "data", log=lambda _: None)
    nordeid_train, gen_train = (lines(p) for p in built["data"])
    assert {r["meta"]["form"] for r in nordeid_train} == {"scenarios", "notes"}
    assert max(r["meta"]["index"] for r in nordeid_train) == CALIBRATION_FROM - 1
    calibration = lines(built["calibration"])
    assert calibration and min(r["meta"]["index"] for r in calibration) == CALIBRATION_FROM
    assert {r["meta"]["form"] for r in calibration} == {"notes"}
    test = lines(built["test"])
    assert (len(gen_train), len(test)) == (600, 300)
    train_templates = {t for r in gen_train for t in r["meta"]["templates"]}
    assert not train_templates & {t for r in test for t in r["meta"]["templates"]}
    assert {r["meta"]["kind"] for r in test} >= {"icu", "journal"}
    # Health care units are LOC in this recipe's Nor-DeID notes.
    info = json.loads((tmp_path / "data" / "nordeid-notes-u" / "info.json").read_text())
    assert info["unit_as_loc"] is True
    # A second call keeps what is built.
    stamp = (tmp_path / "data" / "gen-notes" / "train.jsonl").stat().st_mtime_ns
    prepare_default(nordeid_dir, tmp_path / "data", log=lambda _: None)
    assert (tmp_path / "data" / "gen-notes" / "train.jsonl").stat().st_mtime_ns == stamp


def test_given_an_unknown_recipe_or_a_folder_without_nordeid_then_it_is_refused(tmp_path):
    with pytest.raises(PhinerError, match="unknown"):
        recipe("fastest")
    with pytest.raises(PhinerError, match="training.json"):
        prepare_default(tmp_path, tmp_path / "data", log=lambda _: None)


def test_given_recipe_and_data_then_train_refuses_before_building_anything(tmp_path, monkeypatch, capsys):
    code, _, err = run_cli(
        monkeypatch,
        capsys,
        "train",
        "--recipe",
        "default",
        "--data",
        "x.jsonl",
        "--out",
        tmp_path / "run",
        "--recipe-data",
        tmp_path / "d",
    )
    assert code == 2 and "leave out --data" in err
    assert not (tmp_path / "d").exists()


def test_given_the_shipped_model_then_the_default_recipe_is_what_trained_it():
    import yaml

    from phiner.core.config import RunConfig
    from phiner.model.base import default_model

    shipped = RunConfig.from_dict(yaml.safe_load((default_model() / "config.yaml").read_text(encoding="utf-8")))
    chosen = recipe("default")
    assert shipped.base_model == chosen.base_model
    assert {key: getattr(shipped.train, key) for key in chosen.train} == chosen.train
