"""生成一个规模的全部数据文件：表 → events（分块）→ truth.json → manifest.json。"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from coursekit.world.config import GENERATOR_VERSION, check_scale, check_seed
from coursekit.world.shapes import EventStats, compute_shapes, refresh_readme
from coursekit.world.truth_key import build_truth
from coursekit.world.world import build_world, event_chunks
from coursekit.world.write import BackgroundWriter, ChunkedGzipWriter, csv_bytes, table_to_frame, write_manifest
from helpers.data.io import datasets_root
from helpers.data.schema import DEFAULT_SEED, TABLES, TRUTH_FILE, answer_filename


def _json_default(o: object) -> object:
    """让 numpy 标量也能写进 JSON。"""
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    raise TypeError(f"无法写入 JSON 的类型：{type(o)}")


def dumps_truth(obj: object, level: int = 0) -> str:
    """JSON：字典逐层缩进，标量列表写成一行（文件小，又方便人读）。"""
    pad, pad1 = " " * level, " " * (level + 1)
    if isinstance(obj, dict):
        if not obj:
            return "{}"
        body = ",\n".join(
            f"{pad1}{json.dumps(str(k), ensure_ascii=False)}: {dumps_truth(v, level + 1)}"
            for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))
        )
        return "{\n" + body + "\n" + pad + "}"
    if isinstance(obj, (list, tuple)) and any(isinstance(v, (dict, list, tuple)) for v in obj):
        body = ",\n".join(pad1 + dumps_truth(v, level + 1) for v in obj)
        return "[\n" + body + "\n" + pad + "]"
    return json.dumps(obj, ensure_ascii=False, default=_json_default, separators=(",", ":"))


def generate(
    scale: str = "small", seed: int = DEFAULT_SEED, out_dir: str | Path | None = None, progress: bool = False
) -> Path:
    """生成 ``scale`` 规模的数据到 ``out_dir``（默认 datasets/<scale>/），返回目录。

    先写到临时目录，全部成功后再替换目标目录，所以中途失败不会留下半套数据。
    """
    sc = check_scale(scale)
    seed = check_seed(seed)
    target = Path(out_dir) if out_dir is not None else datasets_root() / scale
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".build-{scale}-", dir=target.parent))
    try:
        world = build_world(scale, seed)
        rows: dict[str, int | None] = {}
        with BackgroundWriter() as writer:
            for name, spec in TABLES.items():
                if name == "events":
                    continue
                frame = table_to_frame(world.tables[name], spec)
                writer.write(tmp / spec.filename, csv_bytes(frame), spec.gzip)
                rows[spec.filename] = len(frame)
            for name in sorted(world.answers):
                fname = answer_filename(name)
                writer.write(tmp / fname, csv_bytes(world.answers[name]), gz=True)
                rows[fname] = len(world.answers[name])
            # 表还在后台压缩时，主线程接着生成 events、算答案（都不读写好的文件）
            stats = _write_events(world, tmp, progress, sc.name)
            rows[TABLES["events"].filename] = stats.type_counts.sum().item()
            summary = stats.summary()
            shapes = compute_shapes(world.tables, summary)
            truth = build_truth(world, {"summary": summary, "bot_pv": stats.bot_pv}, shapes)
        text = dumps_truth(truth) + "\n"
        (tmp / TRUTH_FILE).write_text(text, encoding="utf-8")
        rows[TRUTH_FILE] = None
        meta = {
            "generator_version": GENERATOR_VERSION,
            "scale": scale,
            "seed": seed,
            "built_with": {"numpy": np.__version__, "pandas": pd.__version__},
            "note": "sha256/bytes/rows 供 `python -m helpers data verify` 与 helpers.data.load 校验",
        }
        manifest = write_manifest(tmp, meta, rows)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
        if scale == "small" and seed == DEFAULT_SEED and target.resolve() == (datasets_root() / "small").resolve():
            refresh_readme(target.parent / "README.md", manifest, shapes)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _write_events(world, out: Path, progress: bool, scale: str) -> EventStats:
    """分块生成并写出 events.csv.gz，同时累计统计量。"""
    spec = TABLES["events"]
    writer = ChunkedGzipWriter(out / spec.filename, list(spec.columns))
    stats = EventStats(world.tables["products"], world.hidden["bot_ids"]["customer_id"].to_numpy())
    n_chunks = -(-len(world.event_users) // check_scale(scale).events_chunk_users)
    chunks = event_chunks(world)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=n_chunks, desc=f"生成 events（{scale}）", unit="块")
    try:
        for ev in chunks:
            writer.write(ev[list(spec.columns)])
            stats.add(ev)
            if bar is not None:
                bar.update(1)
    finally:
        writer.close()
        if bar is not None:
            bar.close()
    return stats
