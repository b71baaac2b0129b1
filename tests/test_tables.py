"""runbase.Table end to end, on SQLite and PostgreSQL: tables logged by a training script in its own process
(mixed types, a DataFrame, INCREMENTAL / MUTABLE / IMMUTABLE logging) and put in an artifact, then read back
through the Public API (history, summary, the run file, `artifact.get()` in yet another process) and compared
cell by cell with the same table built here."""

from __future__ import annotations

import datetime
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import runbase
from conftest import Server, run_script, sdk_environment
from runbase.data_types.media import DirectorySource
from runbase.data_types.table import Table

# Built the same way in the script and here, so that what the server hands back is compared with the original.
TABLES = """
import datetime
import numpy as np
import pandas as pd
import runbase as wandb

def mixed():
    table = wandb.Table(columns=["id", "score", "name", "ok", "maybe", "tags", "meta", "when"])
    table.add_data(1, 0.5, "cat", True, None, [1, 2, 3], {"k": 1}, datetime.datetime(2024, 5, 6, 7, 8, 9, 250000))
    table.add_data(np.int64(2), np.float32(0.25), "dog", np.bool_(False), 7, (4.5,), {"k": 2}, datetime.date(2024, 1, 2))
    table.add_data(3, float("nan"), "", False, 8.5, np.array([7, 8]), {"k": 3}, None)
    return table

def frame():
    return wandb.Table(dataframe=pd.DataFrame({"x": [1, 2, 3], "y": [0.5, 1.5, 2.5], "label": ["a", "b", "c"]}))

def preds():
    table = wandb.Table(columns=["input", "output"], data=[[1, 2.0], [2, 4.0], [3, 6.0]])
    table.add_computed_columns(lambda ndx, row: {"error": row["output"] - 2 * row["input"], "ndx": ndx})
    table.cast("input", float)
    return table
"""


def _tables() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(TABLES, namespace)  # noqa: S102 - the tables the script builds, built here to compare with
    return namespace


@pytest.fixture(scope="module")
def logged(server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One run that logs every table (and an artifact of them); what it printed."""
    workdir = tmp_path_factory.mktemp("tables")
    env = sdk_environment(server, workdir)
    project = f"tables-{uuid.uuid4().hex[:8]}"
    result = run_script(TABLES + f"""
import json, warnings
with wandb.init(project={project!r}) as run:
    run.log({{"mixed": mixed(), "loss": 0.5}})
    run.log({{"frame": frame()}})
    incr = wandb.Table(columns=["step", "value"], log_mode="INCREMENTAL")
    mut = wandb.Table(columns=["n"], log_mode="MUTABLE")
    imm = wandb.Table(columns=["n"], data=[[0]])
    for step in range(3):
        incr.add_data(step, step * 10)
        incr.add_data(step, step * 10 + 1)
        mut.add_data(step)
        run.log({{"incr": incr, "mut": mut, "imm": imm}})
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            imm.add_data(step + 1)  # IMMUTABLE: logged once, later changes are not
        assert [str(each.message)[:40] for each in caught] == (
            ["this Table was logged already with log_m"] if step == 0 else []), caught  # warned once
    artifact = wandb.Artifact("predictions", "dataset")
    entry = artifact.add(preds(), "preds")
    artifact.add(mixed(), "tables/mixed")
    artifact.add(wandb.Histogram([1, 2, 2, 3], num_bins=3), "hist")
    images = wandb.Table(columns=["image", "label"])
    for seed in range(3):
        pixels = np.random.default_rng(seed).integers(0, 256, size=(6, 5, 3), dtype=np.uint8)
        images.add_data(wandb.Image(pixels), f"img{{seed}}")
    images.add_data(None, "none")
    artifact.add(images, "images")
    artifact.add(wandb.Image(np.full((4, 3), 200, dtype=np.uint8)), "sample")
    run.log_artifact(artifact).wait()
    print(json.dumps({{"run": run.id, "entry": entry.path, "files": sorted(e.path for e in artifact.manifest)}}))
""", env, cwd=workdir)
    return {"project": project, "env": env, "workdir": workdir, **json.loads(result.stdout.strip().splitlines()[-1])}


def _api(server: Server) -> runbase.Api:
    return runbase.Api(overrides={"base_url": server.url}, api_key=server.key)


def _download(run: Any, paths: list[str], root: Path) -> DirectorySource:
    for path in paths:
        run.file(path).download(root=str(root), exist_ok=True)
    return DirectorySource(root)


def test_a_mixed_table_reads_back_from_history_summary_and_its_run_file(server: Server, logged: dict[str, Any],
                                                                        tmp_path: Path) -> None:
    run = _api(server).run(f"admin/{logged['project']}/{logged['run']}")
    row = next(row for row in run.history(pandas=False) if "mixed" in row)
    described = row["mixed"]
    assert described["_type"] == "table-file" and described["log_mode"] == "IMMUTABLE"
    assert (described["ncols"], described["nrows"]) == (8, 3) and row["loss"] == 0.5
    assert described["path"].startswith("media/table/mixed_0_") and described["path"].endswith(".table.json")
    assert run.summary["mixed"] == described

    source = _download(run, [described["path"]], tmp_path)
    stored = json.loads(source.local_path(described["path"]).read_text())
    assert stored["columns"] == ["id", "score", "name", "ok", "maybe", "tags", "meta", "when"]
    types = stored["column_types"]["params"]["type_map"]

    def union(*names: str) -> dict[str, Any]:
        return {"wb_type": "union", "params": {"allowed_types": [{"wb_type": name} for name in names]}}

    assert types["id"] == types["score"] == union("none", "number")
    assert types["name"] == union("none", "string") and types["ok"] == union("boolean", "none")
    assert types["maybe"] == union("none", "number") and types["when"] == union("none", "timestamp")
    assert types["tags"]["params"]["allowed_types"][1] == {"wb_type": "list", "params": {
        "element_type": {"wb_type": "number"}, "length": None}}
    assert types["meta"]["params"]["allowed_types"][1] == {"wb_type": "typedDict", "params": {"type_map": {
        "k": {"wb_type": "number"}}}}
    assert stored["data"] == [
        [1, 0.5, "cat", True, None, [1, 2, 3], {"k": 1}, 1714979289250],  # epoch milliseconds, naive = UTC
        [2, 0.25, "dog", False, 7, [4.5], {"k": 2}, 1704153600000],
        [3, None, "", False, 8.5, [7, 8], {"k": 3}, None]]  # NaN is a missing value, as in W&B

    back = Table.from_json(described, source)
    expected = _tables()["mixed"]()
    assert back.columns == expected.columns and back.get_column("tags") == [[1, 2, 3], [4.5], [7, 8]]
    assert back.get_column("when") == [datetime.datetime(2024, 5, 6, 7, 8, 9, 250000, tzinfo=datetime.timezone.utc),
                                       datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc), None]
    assert back.data[0][:7] == expected.data[0][:7] and back.data[1][:7] == expected.data[1][:7]


def test_a_dataframe_table_and_its_numpy_columns(server: Server, logged: dict[str, Any], tmp_path: Path) -> None:
    run = _api(server).run(f"admin/{logged['project']}/{logged['run']}")
    described = run.summary["frame"]
    assert described["path"].startswith("media/table/frame_1_") and (described["ncols"], described["nrows"]) == (3, 3)
    back = Table.from_json(described, _download(run, [described["path"]], tmp_path))
    assert back == _tables()["frame"]()
    assert back.columns == ["x", "y", "label"] and back.data == [[1, 0.5, "a"], [2, 1.5, "b"], [3, 2.5, "c"]]
    numbers = back.get_column("y", convert_to="numpy")
    assert numbers.dtype.kind == "f" and numbers.tolist() == [0.5, 1.5, 2.5]
    assert back.get_dataframe().equals(_tables()["frame"]().get_dataframe())


def test_incremental_mutable_and_immutable_logging(server: Server, logged: dict[str, Any], tmp_path: Path) -> None:
    run = _api(server).run(f"admin/{logged['project']}/{logged['run']}")
    rows = [row for row in run.history(pandas=False) if "incr" in row]
    assert [row["_step"] for row in rows] == [2, 3, 4]
    increments = [row["incr"] for row in rows]
    assert [each["_type"] for each in increments] == ["incremental-table-file"] * 3
    assert [each["increment_num"] for each in increments] == [0, 1, 2]
    assert [each["nrows"] for each in increments] == [2, 4, 6]  # the whole table; each file holds the new rows
    paths = [each["path"] for each in increments]
    assert [each["previous_increments_paths"] for each in increments] == [[], paths[:1], paths[:2]]
    source = _download(run, paths, tmp_path)
    assert [json.loads(source.local_path(path).read_text())["data"] for path in paths] == [
        [[0, 0], [0, 1]], [[1, 10], [1, 11]], [[2, 20], [2, 21]]]
    whole = Table.from_json(run.summary["incr"], source)
    assert whole.data == [[0, 0], [0, 1], [1, 10], [1, 11], [2, 20], [2, 21]] and whole.log_mode == "INCREMENTAL"

    mutable = [row["mut"] for row in rows]
    assert len({each["path"] for each in mutable}) == 3 and [each["nrows"] for each in mutable] == [1, 2, 3]
    immutable = [row["imm"] for row in rows]
    assert immutable[0] == immutable[1] == immutable[2] and immutable[0]["nrows"] == 1


def test_a_table_in_an_artifact_reads_back_in_another_process(server: Server, logged: dict[str, Any]) -> None:
    assert logged["entry"] == "preds.table.json"
    assert {"preds.table.json", "tables/mixed.table.json"} <= set(logged["files"])
    result = run_script(f"""
        import json, runbase
        artifact = runbase.Api().artifact("admin/{logged['project']}/predictions:latest")
        table = artifact.get("preds")
        mixed = artifact.get("tables/mixed.table.json")
        assert artifact.get("missing") is None
        hist = artifact.get("hist")
        print(json.dumps({{"columns": table.columns, "data": table.data, "hist": [hist.histogram, hist.bins],
                          "types": [kind.to_json() for kind in table._types],
                          "mixed": mixed.get_column("when")[0].isoformat(), "mixed_data": [row[:7] for row in mixed.data]}}))
    """, logged["env"], cwd=logged["workdir"])
    read = json.loads(result.stdout.strip().splitlines()[-1])
    expected = _tables()["preds"]()
    assert read["columns"] == ["input", "output", "error", "ndx"] == expected.columns
    assert read["data"] == [[1, 2.0, 0.0, 0], [2, 4.0, 0.0, 1], [3, 6.0, 0.0, 2]] == expected.data
    assert read["types"] == [{"wb_type": "number"}, {"wb_type": "union", "params": {"allowed_types": [
        {"wb_type": "none"}, {"wb_type": "number"}]}}, {"wb_type": "number"}, {"wb_type": "number"}]
    assert read["mixed"] == "2024-05-06T07:08:09.250000+00:00"
    import numpy as np

    counts, edges = np.histogram([1, 2, 2, 3], bins=3)
    assert read["hist"] == [counts.tolist(), edges.tolist()] and "hist.histogram.json" in logged["files"]
    mixed = _tables()["mixed"]()
    assert read["mixed_data"][:2] == [row[:7] for row in mixed.data[:2]]


def test_a_logged_table_is_also_the_run_table_artifact_w_and_b_users_read(server: Server,
                                                                         logged: dict[str, Any]) -> None:
    artifacts = [each for each in _api(server).run(f"admin/{logged['project']}/{logged['run']}").logged_artifacts()
                 if each.type == "run_table"]
    mixed = next(each for each in artifacts if each.name.startswith(f"run-{logged['run']}-mixed"))
    table = mixed.get("mixed")
    assert table.columns == _tables()["mixed"]().columns and table.get_column("name") == ["cat", "dog", ""]


def test_image_cells_round_trip_through_an_artifact_with_their_pixels(server: Server, logged: dict[str, Any]) -> None:
    result = run_script(f"""
        import json, numpy as np, runbase
        table = runbase.Api().artifact("admin/{logged['project']}/predictions:latest").get("images")
        cells = table.get_column("image")
        sample = runbase.Api().artifact("admin/{logged['project']}/predictions:latest").get("sample")
        print(json.dumps({{"labels": table.get_column("label"), "none": cells[-1] is None,
                          "sample": np.asarray(sample.image).tolist(),
                          "pixels": [np.asarray(cell.image).tolist() for cell in cells[:-1]],
                          "types": [kind.to_json() for kind in table._types]}}))
    """, logged["env"], cwd=logged["workdir"])
    read = json.loads(result.stdout.strip().splitlines()[-1])
    import numpy as np

    assert read["labels"] == ["img0", "img1", "img2", "none"] and read["none"]
    assert read["sample"] == [[200] * 3] * 4 and "sample.image-file.json" in logged["files"]
    for seed, pixels in enumerate(read["pixels"]):
        assert pixels == np.random.default_rng(seed).integers(0, 256, size=(6, 5, 3), dtype=np.uint8).tolist()
    assert read["types"][0] == {"wb_type": "union", "params": {"allowed_types": [{"wb_type": "image-file"},
                                                                                 {"wb_type": "none"}]}}
    assert sum(path.startswith("media/images/") and path.endswith(".png") for path in logged["files"]) == 4
