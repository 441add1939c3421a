"""The one reader of a run folder's files, and the one way such a folder is written."""

import pytest
import yaml

from phiner.core.config import RunConfig, TrainSettings
from phiner.core.errors import PhinerError
from phiner.core.runfolder import RunFolder, writing


def test_given_a_block_that_fails_then_writing_leaves_neither_the_folder_nor_its_partial(tmp_path):
    out = tmp_path / "run"
    with pytest.raises(RuntimeError):
        with writing(out) as partial:
            (partial / "weights").write_text("half")
            raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_given_an_existing_folder_then_writing_refuses_unless_overwrite(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "old").write_text("x")
    with pytest.raises(FileExistsError, match="--overwrite"):
        with writing(out):
            pass
    with writing(out, overwrite=True) as partial:
        (partial / "new").write_text("y")
    assert sorted(p.name for p in out.iterdir()) == ["new"]


def test_given_a_config_then_it_reads_back_typed_and_a_bad_field_is_named(tmp_path):
    config = RunConfig(base_model="minilm", data=["d"], train=TrainSettings(max_length=128, stride=32))
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config.to_dict()))
    assert RunFolder(tmp_path).config() == config
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({**config.to_dict(), "train": {"stride": "Zq9"}}))
    with pytest.raises(PhinerError) as err:
        RunFolder(tmp_path).config()
    assert "config.yaml: `train.stride` should be int or null, got str" in str(err.value)
    assert "Zq9" not in str(err.value)
    assert RunFolder(tmp_path / "none").config() is None


def test_given_a_folder_then_describe_names_its_base_and_reads_its_json(tmp_path):
    (tmp_path / "adapter_config.json").write_text('{"base_model_name_or_path": "minilm", "r": 16}')
    (tmp_path / "metrics.json").write_text("[1, 2]")
    with pytest.raises(PhinerError, match="metrics.json: should be a JSON object"):
        RunFolder(tmp_path).describe()
    (tmp_path / "metrics.json").write_text('{"after": {}}')
    info = RunFolder(tmp_path).describe()
    assert info["base_model"] == "minilm" and info["adapter"]["r"] == 16 and "config" not in info
