"""``python -m helpers data …``：生成（build）、校验（verify）、确保可用（ensure）、列出（list）。"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from coursekit.world.config import SCALES
from helpers.data.io import datasets_root, read_manifest, rebuild_command, verify_dir
from helpers.data.schema import DEFAULT_SEED, MANIFEST_FILE, TABLES


def _say(msg: str, err: bool = False) -> None:
    print(msg, file=sys.stderr if err else sys.stdout, flush=True)


def cmd_build(args: argparse.Namespace) -> int:
    """生成数据。"""
    from coursekit.world.build import generate

    t0 = time.perf_counter()
    out = generate(args.scale, args.seed, args.out, progress=True)
    _say(f"已生成 {args.scale} 规模数据（种子 {args.seed}）→ {out}，用时 {time.perf_counter() - t0:.1f} 秒")
    return 0


def _report(directory: Path, scale: str, problems: list[str]) -> int:
    if not problems:
        _say(f"数据完好：{directory}（{scale}）")
        return 0
    _say(f"数据校验失败：{directory}", err=True)
    for p in problems:
        _say(f"  - {p}", err=True)
    _say(f"请运行下面的命令重新生成：\n    {rebuild_command(scale, directory)}", err=True)
    return 1


def cmd_verify(args: argparse.Namespace) -> int:
    """按 manifest 校验每个文件的大小与 sha256。"""
    directory = Path(args.dir) if args.dir else datasets_root() / args.scale
    try:
        problems = verify_dir(directory, args.scale)
    except FileNotFoundError as exc:
        _say(str(exc), err=True)
        return 1
    return _report(directory, args.scale, problems)


def cmd_ensure(args: argparse.Namespace) -> int:
    """一键安装时调用：small 整个不存在就生成；存在就校验，损坏时大声报错。"""
    directory = datasets_root() / "small"
    if not directory.exists() or not any(directory.iterdir()):
        _say("没有找到 datasets/small，开始生成（约几十秒）……")
        args.scale, args.seed, args.out = "small", DEFAULT_SEED, None
        return cmd_build(args)
    if not (directory / MANIFEST_FILE).exists():
        return _report(directory, "small", [f"缺少清单文件 {directory / MANIFEST_FILE}"])
    return _report(directory, "small", verify_dir(directory, "small"))


def cmd_list(args: argparse.Namespace) -> int:
    """列出全部表，以及各规模是否已生成。"""
    for name, spec in TABLES.items():
        _say(f"{name:<16} {spec.filename:<22} {spec.description}")
    _say("")
    for scale in SCALES:
        directory = datasets_root() / scale
        if (directory / MANIFEST_FILE).exists():
            m = read_manifest(directory, scale)
            size = sum(f["bytes"] for f in m["files"].values()) / 1e6
            _say(f"{scale:<6} 已生成：{directory}（种子 {m['seed']}，{size:.1f} MB）")
        else:
            _say(f"{scale:<6} 未生成（{rebuild_command(scale)}）")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """把 data 子命令挂到 ``python -m helpers`` 上。"""
    p = subparsers.add_parser("data", help="生成/校验合成数据", description="生成、校验、列出禾木优选的合成数据")
    sub = p.add_subparsers(dest="data_command", metavar="子命令")
    p.set_defaults(func=lambda a: (p.print_help(), 2)[1])

    b = sub.add_parser("build", help="生成数据")
    b.add_argument("--scale", choices=list(SCALES), default="small")
    b.add_argument("--seed", type=int, default=DEFAULT_SEED)
    b.add_argument("--out", default=None, help="输出目录（默认 datasets/<scale>）")
    b.set_defaults(func=cmd_build)

    v = sub.add_parser("verify", help="按清单校验数据文件")
    v.add_argument("--scale", choices=list(SCALES), default="small")
    v.add_argument("--dir", default=None, help="要校验的目录（默认 datasets/<scale>）")
    v.set_defaults(func=cmd_verify)

    e = sub.add_parser("ensure", help="small 不存在就生成，存在就校验")
    e.set_defaults(func=cmd_ensure)

    ls = sub.add_parser("list", help="列出全部表")
    ls.set_defaults(func=cmd_list)
