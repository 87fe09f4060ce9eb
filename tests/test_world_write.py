"""写数据的快路径：pyarrow 写出的 CSV 必须与 pandas ``to_csv`` 逐字节相同；后台写出不丢错、不改字节。"""

from __future__ import annotations

import gzip
import itertools

import numpy as np
import pandas as pd
import pytest

from coursekit.world.world import build_world, event_chunks
from coursekit.world.write import BackgroundWriter, _pandas_csv, csv_bytes, table_to_frame, write_bytes
from helpers.data.schema import DEFAULT_SEED, TABLES


@pytest.fixture(scope="module")
def tiny_world():
    return build_world("tiny", DEFAULT_SEED)


def test_every_table_matches_pandas(tiny_world) -> None:
    checked = 0
    for name, spec in TABLES.items():
        if name == "events":
            continue
        frame = table_to_frame(tiny_world.tables[name], spec)
        assert csv_bytes(frame) == _pandas_csv(frame, True), name
        checked += 1
    assert checked == len(TABLES) - 1


def test_every_answer_table_matches_pandas(tiny_world) -> None:
    assert tiny_world.answers, "tiny 世界应当有答案表"
    for name, df in sorted(tiny_world.answers.items()):
        assert csv_bytes(df) == _pandas_csv(df, True), name


def test_event_chunks_match_pandas(tiny_world) -> None:
    cols = list(TABLES["events"].columns)
    for ev in itertools.islice(event_chunks(tiny_world), 2):
        chunk = ev[cols]
        assert csv_bytes(chunk, header=False) == _pandas_csv(chunk, False)


@pytest.mark.parametrize(
    "df",
    [
        pd.DataFrame({"x": [10.0, 0.1, 1e-7, 123456789.25, np.nan]}),
        pd.DataFrame({"flag": np.array([True, False, True])}),
        pd.DataFrame({"n": pd.array([1, None, 3], dtype="Int64")}),
        pd.DataFrame({"n": np.array([-5, 0, 2**40], dtype="int64"), "s": ["a", None, "中文"]}),
        pd.DataFrame({"s": ["有,逗号", 'has "quote"', "换\n行"]}),
        pd.DataFrame({"t": pd.to_datetime(["2024-01-01 08:00:00", None])}),
        pd.DataFrame({"c": pd.Categorical(["b", "a", "b"])}),
        pd.DataFrame({"a,b": [1, 2]}),
        pd.DataFrame([[1, 2]], columns=["dup", "dup"]),
        pd.DataFrame({"empty": pd.Series([], dtype="float64")}),
    ],
    ids=["float", "bool", "Int64-NA", "int+str", "quotes", "datetime", "category", "header-comma", "dup-name", "empty"],
)
@pytest.mark.parametrize("header", [True, False])
def test_edge_cases_match_pandas(df: pd.DataFrame, header: bool) -> None:
    assert csv_bytes(df, header=header) == _pandas_csv(df, header)


def test_float_text_is_pandas_style() -> None:
    # pyarrow 会把 10.0 写成 "10"、把布尔写成 true；这里锁住 pandas 的写法
    df = pd.DataFrame({"x": [10.0, np.nan], "b": [True, False]})
    assert csv_bytes(df) == b"x,b\n10.0,True\n,False\n"


def test_csv_bytes_does_not_mutate_input() -> None:
    df = pd.DataFrame({"x": [1.5, np.nan], "b": [True, False]})
    before = df.copy()
    csv_bytes(df)
    pd.testing.assert_frame_equal(df, before)


def test_background_writer_writes_same_bytes(tmp_path) -> None:
    data = b"a,b\n1,2\n" * 1000
    write_bytes(tmp_path / "direct.csv.gz", data, gz=True)
    with BackgroundWriter() as writer:
        writer.write(tmp_path / "bg.csv.gz", data, gz=True)
        writer.write(tmp_path / "sub" / "plain.csv", data, gz=False)
    assert (tmp_path / "bg.csv.gz").read_bytes() == (tmp_path / "direct.csv.gz").read_bytes()
    assert gzip.decompress((tmp_path / "bg.csv.gz").read_bytes()) == data
    assert (tmp_path / "sub" / "plain.csv").read_bytes() == data


def test_background_writer_raises_the_write_error(tmp_path) -> None:
    (tmp_path / "is_a_dir").mkdir()
    with pytest.raises(IsADirectoryError):
        with BackgroundWriter() as writer:
            writer.write(tmp_path / "is_a_dir", b"x", gz=False)
