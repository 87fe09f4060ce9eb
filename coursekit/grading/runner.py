"""在独立内核里逐个执行单元，施加时间、内存和输出大小的限制（基于 nbclient + jupyter_client）。

- 每个单元有时限：超时先中断 (SIGINT)；若内核在宽限期内不响应（例如循环吞掉了
  KeyboardInterrupt），就杀掉整个内核进程组，其余单元记为未执行。
- 整本有时限：到点即杀。
- 内存：Linux/macOS 上内核启动前设 RLIMIT_AS（硬上限，瞬间的大分配直接 MemoryError）；
  各平台都有 RSS 看门狗（psutil），超过 ``memory_mb`` 就杀内核并记为 memory_exceeded。
- 输出：整本输出超过上限后丢弃后续输出（错误信息仍保留但截短）。
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import psutil
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

KERNEL_NAME = "hemu-grader"
SANDBOX = Path(__file__).with_name("sandbox.py")
AS_HEADROOM_MB = 3072  # RLIMIT_AS = memory_mb + 余量（虚拟地址空间远大于实际占用）


@dataclass
class Limits:
    """判分时的各项上限（秒 / MB）。"""

    cell_timeout: float = 60.0
    notebook_timeout: float = 600.0
    memory_mb: int = 2048
    output_mb: float = 2.0
    startup_timeout: float = 60.0
    interrupt_grace: float = 3.0
    file_mb: int = 512


@dataclass
class CellOutcome:
    """一个单元的执行结果：ok / error / timeout / not_run。"""

    index: int
    state: str = "not_run"
    ename: str = ""
    evalue: str = ""


@dataclass
class RunOutcome:
    """整本执行结果。``stop`` 说明为何提前停止：'' / kernel_died / memory / notebook_timeout / cell_timeout / startup。"""

    cells: list[CellOutcome] = field(default_factory=list)
    stop: str = ""
    stop_detail: str = ""
    truncated: bool = False
    seconds: float = 0.0


class CappedClient(NotebookClient):
    """限制输出总量的 NotebookClient：超出上限后丢弃输出，只留一条说明。"""

    output_cap: int = 2 * 1024 * 1024
    _used: int = 0
    truncated: bool = False

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> Any:
        content = msg.get("content", {})
        mtype = msg.get("msg_type")
        if mtype == "error":
            content["traceback"] = [t[:2000] for t in content.get("traceback", [])[-20:]]
            content["evalue"] = str(content.get("evalue", ""))[:2000]
            return super().output(outs, msg, display_id, cell_index)
        size = _size(content)
        if self._used + size > self.output_cap:
            if not self.truncated:
                self.truncated = True
                outs.append(
                    nbformat.v4.new_output("stream", name="stderr", text="[判分器：输出过多，后面的输出已丢弃]\n")
                )
            return None
        self._used += size
        return super().output(outs, msg, display_id, cell_index)


def _size(content: dict) -> int:
    if "text" in content:
        return len(content["text"])
    data = content.get("data") or {}
    return sum(len(v) if isinstance(v, str) else len(json.dumps(v)) for v in data.values()) + 100


def kernel_argv(limits: Limits) -> list[str]:
    """内核启动命令：POSIX 上经 sandbox.py 设资源上限，Windows 上直接启动。"""
    # Plain 模式的 traceback 格式化快得多（深递归的报错用默认模式要好几秒）
    # quit()/exit() 在 ipykernel 里会在 0.1 秒后停掉内核，结果与下一个单元赛跑；判分时让它们无效，保证可复现。
    tail = [
        "-f",
        "{connection_file}",
        "--HistoryManager.enabled=False",
        "--InteractiveShell.xmode=Plain",
        "--IPKernelApp.exec_lines=get_ipython().ask_exit = lambda: None",
    ]
    if os.name == "posix":
        return [
            sys.executable,
            str(SANDBOX),
            "--as-mb",
            str(limits.memory_mb + AS_HEADROOM_MB),
            "--fsize-mb",
            str(limits.file_mb),
            "--",
            *tail,
        ]
    return [sys.executable, "-m", "ipykernel_launcher", *tail]


def kernel_env(tmp: Path) -> dict[str, str]:
    """内核的环境变量：判分模式、无界面绘图、固定哈希种子、单线程数值库。"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JPY_", "PYTEST", "HEMU_"))}
    env.update(
        HEMU_GRADING="1",
        MPLBACKEND="Agg",
        PYTHONHASHSEED="0",
        PYTHONDONTWRITEBYTECODE="1",
        IPYTHONDIR=str(tmp / "ipython"),
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
        NUMEXPR_MAX_THREADS="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    return env


def _write_kernelspec(tmp: Path, limits: Limits) -> Path:
    spec_dir = tmp / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {"argv": kernel_argv(limits), "display_name": "判分内核", "language": "python", "interrupt_mode": "signal"}
    (spec_dir / "kernel.json").write_text(json.dumps(spec), encoding="utf-8")
    return tmp / "kernels"


def _kill_all(procs: list) -> None:
    """杀掉给定的进程并等待它们退出（已不存在的进程忽略）。"""
    for p in procs:
        try:
            p.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(procs, timeout=3)


def kill_tree(pid: int) -> None:
    """杀掉进程及其全部子孙（先收集再杀，避免遗漏）。"""
    try:
        root = psutil.Process(pid)
        procs = root.children(recursive=True) + [root]
    except psutil.Error:
        return
    _kill_all(procs)


def kill_descendants() -> None:
    """杀掉当前进程的全部子孙进程（判分 worker 结束前调用，清理学生留下的后台进程）。"""
    _kill_all(psutil.Process().children(recursive=True))


def become_subreaper() -> None:
    """Linux：让脱离父进程的孙进程（双 fork 的守护进程）挂到本进程下面，结束时一并清理。"""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


class _Kernel:
    """持有内核进程信息，负责看门狗与强制结束。"""

    def __init__(self, km: AsyncKernelManager, limits: Limits) -> None:
        self.km = km
        self.limits = limits
        self.memory_hit = False
        self.peak_mb = 0.0

    @property
    def pid(self) -> int | None:
        prov = getattr(self.km, "provisioner", None)
        proc = getattr(prov, "process", None)
        return getattr(proc, "pid", None)

    def rss_mb(self) -> float:
        pid = self.pid
        if pid is None:
            return 0.0
        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return 0.0
        total = 0
        for p in procs:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total / (1024 * 1024)

    async def watchdog(self) -> None:
        while True:
            await asyncio.sleep(0.2)
            mb = self.rss_mb()
            self.peak_mb = max(self.peak_mb, mb)
            if mb > self.limits.memory_mb:
                self.memory_hit = True
                self.kill()
                return

    def kill(self) -> None:
        pid = self.pid
        if pid is None:
            return
        if os.name == "posix":
            try:
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError, OSError):
                pass
        kill_tree(pid)


def _error_of(cell: Any) -> tuple[str, str] | None:
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return str(out.get("ename", "")), str(out.get("evalue", ""))[:500]
    return None


async def _execute(client: CappedClient, kernel: _Kernel, cell: Any, idx: int, budget: float, grace: float) -> str:
    """执行一个单元：'ok'/'error'；超时后中断，宽限期内结束记 'timeout'，否则杀内核记 'timeout_killed'；
    内核死亡记 'died'。"""
    task = asyncio.ensure_future(client.async_execute_cell(cell, idx))
    done, _ = await asyncio.wait({task}, timeout=budget)
    timed_out = task not in done
    if timed_out:
        try:
            await asyncio.wait_for(kernel.km.interrupt_kernel(), 5)
        except Exception:  # noqa: BLE001
            pass
        done, _ = await asyncio.wait({task}, timeout=grace)
        if task not in done:
            kernel.kill()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return "timeout_killed"
    exc = task.exception()
    if isinstance(exc, DeadKernelError):
        return "died"
    if exc is not None:
        raise exc
    if timed_out:
        return "timeout"
    return "error" if _error_of(cell) else "ok"


async def _run(nb: Any, tmp: Path, cwd: Path, limits: Limits, before_cell: Callable[[int], None] | None) -> RunOutcome:
    outcome = RunOutcome(cells=[CellOutcome(i) for i in range(len(nb.cells))])
    ksm = KernelSpecManager(kernel_dirs=[str(_write_kernelspec(tmp, limits))], ensure_native_kernel=False)
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)
    km.connection_file = str(tmp / "connection.json")
    client = CappedClient(
        nb,
        km=km,
        timeout=None,
        allow_errors=True,
        interrupt_on_timeout=False,
        record_timing=False,
        startup_timeout=int(limits.startup_timeout),
        iopub_timeout=4,
        raise_on_iopub_timeout=False,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(cwd)}},
    )
    client.output_cap = int(limits.output_mb * 1024 * 1024)
    kernel = _Kernel(km, limits)
    start = time.monotonic()
    deadline = start + limits.notebook_timeout
    dog: asyncio.Task | None = None
    try:
        try:
            await asyncio.wait_for(
                client.async_start_new_kernel(
                    env=kernel_env(tmp), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
                ),
                limits.startup_timeout,
            )
            await asyncio.wait_for(client.async_start_new_kernel_client(), limits.startup_timeout)
        except Exception as exc:  # noqa: BLE001 - 内核起不来：记为 startup，不抛出
            outcome.stop, outcome.stop_detail = "startup", f"{type(exc).__name__}: {exc}"[:300]
            return outcome
        dog = asyncio.ensure_future(kernel.watchdog())
        for idx, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            res = outcome.cells[idx]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                outcome.stop = "notebook_timeout"
                break
            if before_cell:
                before_cell(idx)
            budget = min(limits.cell_timeout, remaining)
            state = await _execute(client, kernel, cell, idx, budget, limits.interrupt_grace)
            err = _error_of(cell)
            if err:
                res.ename, res.evalue = err
            if state in ("timeout", "timeout_killed"):
                res.state, res.ename = "timeout", "CellTimeout"
                cell.outputs.append(
                    nbformat.v4.new_output(
                        "error", ename="CellTimeout", evalue=f"单元运行超过 {budget:.0f} 秒", traceback=[]
                    )
                )
                if state == "timeout_killed" or time.monotonic() >= deadline - 0.5:
                    outcome.stop = "notebook_timeout" if budget < limits.cell_timeout else "cell_timeout"
                    break
                continue
            if state == "died" or kernel.memory_hit:
                res.state = "error"
                res.ename = res.ename or "DeadKernel"
                outcome.stop = "memory" if kernel.memory_hit else "kernel_died"
                break
            res.state = state
        return outcome
    finally:
        if dog is not None:
            dog.cancel()
        for task in asyncio.all_tasks():  # nbclient 可能留下轮询任务
            if task is not asyncio.current_task():
                task.cancel()
        if kernel.memory_hit and outcome.stop not in ("memory",):
            outcome.stop = "memory"
        kernel.kill()
        try:
            if client.kc is not None:
                client.kc.stop_channels()
        except Exception:  # noqa: BLE001
            pass
        try:
            await asyncio.wait_for(km.shutdown_kernel(now=True), 5)
        except Exception:  # noqa: BLE001
            pass
        outcome.truncated = client.truncated
        outcome.seconds = time.monotonic() - start


def run_notebook(
    nb: Any, tmp: Path, cwd: Path, limits: Limits, before_cell: Callable[[int], None] | None = None
) -> RunOutcome:
    """执行 notebook（就地写入输出），返回每个单元的结果。调用方负责清理 ``tmp``。"""
    return asyncio.run(_run(nb, tmp, cwd, limits, before_cell))
