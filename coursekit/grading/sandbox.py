"""判分内核的启动包装（作为脚本运行，不导入 helpers）：先设资源上限，再 exec 成 ipykernel。

用法：``python sandbox.py --as-mb 5120 -- -f {connection_file} ...``
仅在 Linux/macOS 上使用；Windows 没有 ``resource`` 模块，判分器直接启动 ipykernel。
"""

import os
import signal
import sys


def _limit(name: str, value: int) -> None:
    import resource

    res = getattr(resource, name, None)
    if res is None:
        return
    try:
        soft, hard = resource.getrlimit(res)
        if hard != resource.RLIM_INFINITY and value > hard:
            value = hard
        resource.setrlimit(res, (value, value))
    except (ValueError, OSError):  # 某些系统不允许，忽略（还有 RSS 看门狗兜底）
        pass


def _current_vm_bytes() -> int:
    """本进程当前的虚拟地址空间大小（Linux 读 /proc/self/statm）。"""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def apply_limits(opts: list[str], relative_to_current: bool = False) -> None:
    """按 ``--as-mb`` / ``--fsize-mb`` 设资源上限，并关掉 core 文件。

    ``relative_to_current``：从 fork 服务器分出来的内核已经载入了 pandas 等库，地址空间上限
    在当前大小之上再加 ``--as-mb``（新启动的内核从零开始算，两者给学生代码的余量相同）。
    """
    as_mb = int(opts[opts.index("--as-mb") + 1]) if "--as-mb" in opts else 0
    fsize_mb = int(opts[opts.index("--fsize-mb") + 1]) if "--fsize-mb" in opts else 0
    if as_mb > 0:
        base = _current_vm_bytes() if relative_to_current else 0
        _limit("RLIMIT_AS", base + as_mb * 1024 * 1024)
    if fsize_mb > 0:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # 写超限文件时报错而不是杀进程
        _limit("RLIMIT_FSIZE", fsize_mb * 1024 * 1024)
    _limit("RLIMIT_CORE", 0)


def main() -> None:
    argv = sys.argv[1:]
    sep = argv.index("--") if "--" in argv else len(argv)
    opts, rest = argv[:sep], argv[sep + 1 :]
    apply_limits(opts)
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *rest])


if __name__ == "__main__":
    main()
