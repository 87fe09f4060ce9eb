"""写数据：确定性的 CSV（同一种子 → 逐字节相同）、固定时间戳的 gzip、清单 manifest.json。

读的一半（校验与带类型读入）在学生读的包里：``helpers/data/io.py``。
"""

from __future__ import annotations

import gzip
import io
import json
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


def csv_bytes(df: pd.DataFrame, header: bool = True) -> bytes:
    """DataFrame → UTF-8 CSV 字节（\\n 换行，浮点用最短表示）。"""
    buf = io.StringIO()
    df.to_csv(buf, index=False, header=header, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def write_bytes(path: Path, data: bytes, gz: bool) -> None:
    """写文件；gzip 时把时间戳固定为 0、不写文件名，保证逐字节可复现。"""
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        data = gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    path.write_bytes(data)


class ChunkedGzipWriter:
    """分块写 gzip CSV（events 很大，边生成边写），同样固定 mtime=0。"""

    def __init__(self, path: Path, columns: list[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._raw = open(path, "wb")
        self._gz = gzip.GzipFile(filename="", mode="wb", fileobj=self._raw, compresslevel=GZIP_LEVEL, mtime=0)
        self._gz.write((",".join(columns) + "\n").encode("utf-8"))
        self.rows = 0

    def write(self, df: pd.DataFrame) -> None:
        self._gz.write(csv_bytes(df, header=False))
        self.rows += len(df)

    def close(self) -> None:
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


__all__ = ["ChunkedGzipWriter", "csv_bytes", "table_to_frame", "write_bytes", "write_manifest"]
