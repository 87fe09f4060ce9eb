"""写数据：确定性的 CSV（同一种子 → 逐字节相同）、固定时间戳的 gzip、清单 manifest.json。

读的一半（校验与带类型读入）在学生读的包里：``helpers/data/io.py``。
"""

from __future__ import annotations

import functools
import gzip
import io
import json
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.io import file_info
from helpers.data.schema import MANIFEST_FILE, TableSpec

GZIP_LEVEL = 6


def _format_column(s: pd.Series, kind: str) -> pd.Series:
    """把一列转成写 CSV 用的形式（日期只格式化去重后的值，速度快）。"""
    if kind in ("datetime", "date"):
        fmt = "%Y-%m-%d %H:%M:%S" if kind == "datetime" else "%Y-%m-%d"
        codes, uniques = pd.factorize(s)
        text = np.append(pd.DatetimeIndex(uniques).strftime(fmt).to_numpy(dtype=object), "")
        return pd.Series(text[codes], index=s.index)
    if kind == "float":
        return s.astype("float64").round(2)
    if kind == "Int64":
        return s.astype("Int64")
    if kind == "bool":
        return s.astype(bool)
    if kind == "int":
        return s.astype("int64")
    return s


def table_to_frame(df: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """只保留规定的列、按规定排序、转成可写出的形式。"""
    missing = [c for c in spec.columns if c not in df.columns]
    if missing:
        raise ValueError(f"表 {spec.name} 缺少列：{missing}")
    out = df[list(spec.columns)]
    if spec.sort_by:
        out = out.sort_values(list(spec.sort_by), kind="stable")
    out = out.reset_index(drop=True)
    return pd.DataFrame({c: _format_column(out[c], k) for c, k in spec.columns.items()})


_NEEDS_QUOTES = (",", '"', "\n", "\r")


def _pandas_csv(df: pd.DataFrame, header: bool) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False, header=header, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def _arrow_ready(s: pd.Series) -> object:
    """把一列换成 pyarrow 会写出与 pandas ``to_csv`` 相同文字的形式。

    pandas 写浮点用 numpy 的 ``astype(str)``（最短表示，10.0 写成 "10.0"），布尔写 True/False，
    缺失写空串；pyarrow 写浮点会把 10.0 写成 "10"、布尔写成 true，所以这两类先转成文字。
    """
    if pd.api.types.is_bool_dtype(s.dtype) and not isinstance(s.dtype, pd.api.extensions.ExtensionDtype):
        return np.where(s.to_numpy(), "True", "False")
    if pd.api.types.is_float_dtype(s.dtype):
        v = s.to_numpy(dtype="float64")
        text = v.astype(str).astype(object)
        text[np.isnan(v)] = None
        return text
    return s


def _same_text_as_pandas(t: object) -> bool:
    """整数与文字两种类型 pyarrow 和 pandas 写法相同；日期时间、浮点、布尔等不保证，交给 pandas。"""
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        t = t.value_type
    return pa.types.is_integer(t) or pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)


def csv_bytes(df: pd.DataFrame, header: bool = True) -> bytes:
    """DataFrame → UTF-8 CSV 字节（\\n 换行，浮点用最短表示），与 ``df.to_csv`` 逐字节相同。

    大表用 pyarrow 的 CSV 写出器（快 3–6 倍）：不加引号写，遇到含逗号、引号或换行的文字
    pyarrow 会报错，这时整张表退回 pandas（它会按需加引号）；只有一列、列名要加引号或重名时
    也交给 pandas。两条路写出的字节相同，
    ``tests/test_world_write.py`` 逐表核对。
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    names = [str(c) for c in df.columns]
    if any(ch in name for name in names for ch in _NEEDS_QUOTES) or len(set(names)) != len(names):
        return _pandas_csv(df, header)
    if len(names) < 2:
        # 只有一列时 pandas 把缺失写成 ""（免得成了空行），pyarrow 写空行：交给 pandas
        return _pandas_csv(df, header)
    try:
        table = pa.table({name: _arrow_ready(df.iloc[:, i]) for i, name in enumerate(names)})
        if not all(_same_text_as_pandas(t) for t in table.schema.types):
            return _pandas_csv(df, header)
        buf = io.BytesIO()
        if header:
            buf.write((",".join(names) + "\n").encode("utf-8"))
        pa_csv.write_csv(table, buf, pa_csv.WriteOptions(include_header=False, quoting_style="none"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return _pandas_csv(df, header)
    return buf.getvalue()


def write_bytes(path: Path, data: bytes, gz: bool) -> None:
    """写文件；gzip 时把时间戳固定为 0、不写文件名，保证逐字节可复现。"""
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        data = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    path.write_bytes(data)


class _OrderedWorker:
    """一个后台线程，按提交顺序执行 ``fn(data)``；积压的字节超过 ``max_bytes`` 时先等前面的写完。

    zlib 压缩时释放 GIL，所以主线程可以同时格式化下一张表、生成 events、算答案
    （两核上压缩几乎不占主线程时间）。任务里的异常在下一次 ``submit`` 或 ``drain`` 时原样抛出。
    """

    def __init__(self, max_bytes: int = 256 * 2**20) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="coursekit-gzip")
        self._pending: deque[tuple[Future, int]] = deque()
        self._queued = 0
        self._max = max_bytes

    def _wait_oldest(self) -> None:
        future, size = self._pending.popleft()
        self._queued -= size
        future.result()

    def submit(self, fn: Callable[[bytes], object], data: bytes) -> None:
        while self._pending and self._queued + len(data) > self._max:
            self._wait_oldest()
        self._pending.append((self._pool.submit(fn, data), len(data)))
        self._queued += len(data)

    def drain(self) -> None:
        """等所有任务做完（有异常就抛出），然后关掉线程。"""
        try:
            while self._pending:
                self._wait_oldest()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)


class BackgroundWriter:
    """在后台线程里压缩并写出整个文件（字节与直接调用 ``write_bytes`` 完全相同）。"""

    def __init__(self) -> None:
        self._worker = _OrderedWorker()

    def write(self, path: Path, data: bytes, gz: bool) -> None:
        self._worker.submit(functools.partial(write_bytes, path, gz=gz), data)

    def close(self) -> None:
        self._worker.drain()

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ChunkedGzipWriter:
    """分块写 gzip CSV（events 很大，边生成边写），同样固定 mtime=0；压缩在后台线程里做。"""

    def __init__(self, path: Path, columns: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._raw = open(path, "wb")
        self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, compresslevel=GZIP_LEVEL, mtime=0)
        self._gz.write((",".join(columns) + "\n").encode("utf-8"))
        self._worker = _OrderedWorker()
        self.rows = 0

    def write(self, df: pd.DataFrame) -> None:
        self._worker.submit(self._gz.write, csv_bytes(df, header=False))
        self.rows += len(df)

    def close(self) -> None:
        try:
            self._worker.drain()
        finally:
            self._gz.close()
            self._raw.close()


def write_manifest(out_dir: Path, meta: dict, rows: dict[str, int | None]) -> dict:
    """为目录里的每个数据文件写 sha256、字节数和行数。"""
    files = {}
    for fname in sorted(rows):
        info = file_info(out_dir / fname)
        files[fname] = {**info, "rows": rows[fname]}
    manifest = {**meta, "files": files}
    (out_dir / MANIFEST_FILE).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


__all__ = ["BackgroundWriter", "ChunkedGzipWriter", "csv_bytes", "table_to_frame", "write_bytes", "write_manifest"]
