"""读写：确定性的 CSV（同一种子 → 逐字节相同）、清单 manifest.json 与校验、带类型的读入。"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from helpers.data.schema import MANIFEST_FILE, TABLES, TRUTH_FILE, TableSpec

REPO_ROOT = Path(__file__).resolve().parents[2]
GZIP_LEVEL = 6


def datasets_root() -> Path:
    """数据根目录：默认是仓库里的 datasets/，可用环境变量 HEMU_DATASETS 覆盖。"""
    return Path(os.environ.get("HEMU_DATASETS", REPO_ROOT / "datasets"))


def rebuild_command(scale: str, out: Path | str | None = None) -> str:
    """重新生成某个规模数据的命令（目录不是默认位置时带上 --out）。"""
    cmd = f"python -m helpers data build --scale {scale}"
    if out is not None and Path(out).resolve() != (datasets_root() / scale).resolve():
        cmd += f" --out {out}"
    return cmd


# ---------------------------------------------------------------- 写出
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


def file_info(path: Path) -> dict:
    """文件的 sha256 与字节数。"""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return {"sha256": h.hexdigest(), "bytes": path.stat().st_size}


def write_manifest(out_dir: Path, meta: dict, rows: dict[str, int | None]) -> dict:
    """为目录里的每个数据文件写 sha256、字节数和行数。"""
    files = {}
    for fname in sorted(rows):
        info = file_info(out_dir / fname)
        files[fname] = {**info, "rows": rows[fname]}
    manifest = {**meta, "files": files}
    (out_dir / MANIFEST_FILE).write_text(json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                         encoding="utf-8")
    return manifest


# ---------------------------------------------------------------- 校验
def read_manifest(directory: Path, scale: str) -> dict:
    """读清单；不存在时给出中文错误和重建命令。"""
    path = directory / MANIFEST_FILE
    if not path.exists():
        raise FileNotFoundError(f"找不到数据清单 {path}。请先生成数据：\n    {rebuild_command(scale, directory)}")
    return json.loads(path.read_text(encoding="utf-8"))


def verify_dir(directory: Path, scale: str) -> list[str]:
    """逐个文件核对大小和 sha256，返回问题列表（空列表表示一切正常）。"""
    manifest = read_manifest(directory, scale)
    problems = []
    for fname, info in sorted(manifest["files"].items()):
        path = directory / fname
        if not path.exists():
            problems.append(f"缺少文件 {path}")
            continue
        actual = file_info(path)
        if actual["bytes"] != info["bytes"]:
            problems.append(f"文件大小不对 {path}（应为 {info['bytes']} 字节，实际 {actual['bytes']}）")
        elif actual["sha256"] != info["sha256"]:
            problems.append(f"校验和不对 {path}（文件被改动或损坏）")
    return problems


_VERIFIED: dict[tuple[str, int, int], str] = {}


def checked_path(directory: Path, fname: str, scale: str) -> Path:
    """返回通过校验的文件路径；缺失或损坏时抛出中文错误（绝不悄悄读入半截数据）。"""
    path = directory / fname
    if not path.exists():
        raise FileNotFoundError(f"找不到数据文件 {path}。请运行下面的命令重新生成：\n    {rebuild_command(scale, directory)}")
    manifest = read_manifest(directory, scale)
    info = manifest["files"].get(fname)
    if info is None:
        raise ValueError(f"数据清单里没有 {fname}，数据目录可能不完整。请运行：\n    {rebuild_command(scale, directory)}")
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if _VERIFIED.get(key) == info["sha256"]:
        return path
    actual = file_info(path)
    if actual["bytes"] != info["bytes"] or actual["sha256"] != info["sha256"]:
        raise ValueError(
            f"数据文件 {path} 与清单不符（大小或校验和不对），可能被改动或下载不完整。\n"
            f"请运行下面的命令重新生成：\n    {rebuild_command(scale, directory)}")
    _VERIFIED[key] = info["sha256"]
    return path


# ---------------------------------------------------------------- 读入
_DTYPES = {"int": "int64", "Int64": "Int64", "float": "float64", "str": "str", "cat": "category"}


def read_table(path: Path, spec: TableSpec) -> pd.DataFrame:
    """按 schema 读入一张表：日期解析成 datetime64，中文类别列为 category。"""
    if spec.name == "orders_raw":
        return pd.read_csv(path, dtype=str, encoding="utf-8")
    dtypes = {c: _DTYPES[k] for c, k in spec.columns.items() if k in _DTYPES}
    dates = [c for c, k in spec.columns.items() if k in ("datetime", "date")]
    df = pd.read_csv(path, dtype=dtypes, encoding="utf-8")
    for c in dates:
        fmt = "%Y-%m-%d %H:%M:%S" if spec.columns[c] == "datetime" else "%Y-%m-%d"
        codes, uniques = pd.factorize(df[c])  # 只解析去重后的值：库存表 88 万行只有 731 个日期
        parsed = pd.DatetimeIndex(pd.to_datetime(pd.Series(uniques, dtype=object), format=fmt))
        df[c] = parsed.take(codes, allow_fill=True, fill_value=pd.NaT) if len(uniques) else pd.to_datetime(df[c])
    for c, k in spec.columns.items():
        if k == "bool":
            df[c] = df[c].astype(bool)
    return df


def read_truth(path: Path) -> dict:
    """读答案 JSON。"""
    return json.loads(path.read_text(encoding="utf-8"))


__all__ = ["ChunkedGzipWriter", "TABLES", "TRUTH_FILE", "checked_path", "csv_bytes", "datasets_root",
           "file_info", "read_manifest", "read_table", "read_truth", "rebuild_command", "table_to_frame",
           "verify_dir", "write_bytes", "write_manifest"]
