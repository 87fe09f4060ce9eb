"""在独立内核里逐个执行单元，施加时间、内存和输出大小的限制（基于 nbclient + jupyter_client）。

时限按 **CPU 时间** 计（内核进程及其子进程的 user + sys 秒），所以机器忙的时候不会误判：
一个在空闲机器上跑 1 秒的单元，在别的程序抢 CPU 时墙钟可能要 3 秒，CPU 时间仍是 1 秒左右。
墙钟只作兜底（``wall_factor`` × CPU 时限），管住不用 CPU 却一直不结束的单元（sleep、等输入）。

- 开头的锁定设置单元（第一个作答单元之前、来自标准练习本的代码：导入、setup_notebook、读数据）
  用单独的 ``setup_timeout``，不计入单元时限和整本时限；内核启动用 ``startup_timeout``。
- 每个单元有时限：超时先中断 (SIGINT)；若内核在宽限期内不响应（例如循环吞掉了
  KeyboardInterrupt），就杀掉整个内核进程组，其余单元记为未执行。
- 整本有时限（设置单元之后的全部单元合计）：用完即停。
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
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError

KERNEL_NAME = "hemu-grader"
SANDBOX = Path(__file__).with_name("sandbox.py")
AS_HEADROOM_MB = 3072  # RLIMIT_AS = memory_mb + 余量（虚拟地址空间远大于实际占用）


@dataclass
class Limits:
    """判分时的各项上限（秒 / MB）。

    ``cell_timeout`` / ``notebook_timeout`` / ``setup_timeout`` 是 CPU 秒；墙钟兜底是它们的
    ``wall_factor`` 倍；``startup_timeout``（内核启动）和 ``interrupt_grace``（中断后的宽限）是墙钟秒。
    """

    cell_timeout: float = 60.0
    notebook_timeout: float = 600.0
    memory_mb: int = 2048
    output_mb: float = 2.0
    startup_timeout: float = 60.0
    interrupt_grace: float = 3.0
    file_mb: int = 512
    setup_timeout: float = 120.0
    wall_factor: float = 4.0

    def worst_case_wall(self) -> float:
        """一份提交最长可能占用的墙钟秒数（给 worker 进程的总兜底用）。"""
        return (self.notebook_timeout + self.setup_timeout) * self.wall_factor + 2 * self.startup_timeout + 60


@dataclass
class CellOutcome:
    """一个单元的执行结果：ok / error / timeout / not_run。"""

    index: int
    state: str = "not_run"
    ename: str = ""
    evalue: str = ""


@dataclass
class RunOutcome:
    """整本执行结果。``stop`` 说明为何提前停止：'' / kernel_died / memory / notebook_timeout / cell_timeout /
    setup_timeout / startup。"""

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

    async def async_start_new_kernel_client(self) -> Any:
        """与 nbclient 相同，只是等内核就绪时不空等：jupyter_client 的 wait_for_ready 每次至少
        睡 0.2 秒（确认 iopub 已连上）再睡 0.2 秒（清空 iopub），一份提交白等 0.4 秒。这里用同样的
        检查（kernel_info 有回复、iopub 收得到消息），只是轮询间隔短；nbclient 本来就只认自己请求的回复。"""
        assert self.km is not None
        try:
            self.kc = self.km.client()
            await ensure_async(self.kc.start_channels())
            await _wait_for_ready(self.kc, self.startup_timeout)
        except Exception:
            await self._async_cleanup_kernel()
            raise
        self.kc.allow_stdin = False
        return self.kc


async def _wait_for_ready(kc: Any, timeout: float) -> None:
    """等内核回复 kernel_info 且 iopub 已连上（收得到它广播的状态消息），然后清掉积压的 iopub 消息。"""
    from queue import Empty

    deadline = time.monotonic() + timeout
    while True:
        kc.kernel_info()
        try:
            msg = await ensure_async(kc.shell_channel.get_msg(timeout=0.5))
        except Empty:
            msg = None
        if msg is not None and msg["msg_type"] == "kernel_info_reply":
            try:
                await ensure_async(kc.iopub_channel.get_msg(timeout=0.05))
            except Empty:
                pass
            else:
                kc._handle_kernel_info_reply(msg)
                break
        if not await ensure_async(kc.is_alive()):
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
    while True:
        try:
            await ensure_async(kc.iopub_channel.get_msg(timeout=0.02))
        except Empty:
            break


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
        self._cpu_last = 0.0

    @property
    def pid(self) -> int | None:
        prov = getattr(self.km, "provisioner", None)
        proc = getattr(prov, "process", None)
        return getattr(proc, "pid", None)

    def _procs(self) -> list[psutil.Process]:
        pid = self.pid
        if pid is None:
            return []
        try:
            root = psutil.Process(pid)
            return [root, *root.children(recursive=True)]
        except psutil.Error:
            return []

    def cpu_seconds(self) -> float:
        """内核进程树到现在为止用掉的 CPU 秒（user + sys；含已退出并被回收的子进程）。

        读不到内核进程本身时（刚好在退出、或系统一时不给）沿用上一次的读数，
        保证读数只增不减：一次失败的读数绝不能让下一个单元的起点变成 0 而误判超时。
        """
        procs = self._procs()
        if not procs:
            return self._cpu_last
        try:
            t = procs[0].cpu_times()
        except psutil.Error:
            return self._cpu_last
        total = t.user + t.system + t.children_user + t.children_system
        for p in procs[1:]:
            try:
                c = p.cpu_times()
            except psutil.Error:
                continue
            total += c.user + c.system
        self._cpu_last = max(self._cpu_last, total)
        return self._cpu_last

    def rss_mb(self) -> float:
        total = 0
        for p in self._procs():
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


@dataclass
class Budget:
    """一个单元能用的 CPU 秒与墙钟秒；``binding`` 说明哪个上限更紧：'cell' / 'notebook' / 'setup'。"""

    cpu: float
    wall: float
    binding: str = "cell"


async def _execute(
    client: CappedClient, kernel: _Kernel, cell: Any, idx: int, budget: Budget, grace: float
) -> tuple[str, float]:
    """执行一个单元，返回 (状态, 用掉的 CPU 秒)。状态：'ok'/'error'；CPU 或墙钟超限后中断，
    宽限期内结束记 'timeout' / 'timeout_wall'，否则杀内核记 'timeout_killed'；内核死亡记 'died'。"""
    cpu0, t0 = kernel.cpu_seconds(), time.monotonic()
    task = asyncio.ensure_future(client.async_execute_cell(cell, idx))
    over = ""
    while True:
        done, _ = await asyncio.wait({task}, timeout=0.1)
        if task in done:
            break
        if kernel.cpu_seconds() - cpu0 > budget.cpu:
            over = "timeout"
        elif time.monotonic() - t0 > budget.wall:
            over = "timeout_wall"
        if over:
            break
    if over:
        try:
            await asyncio.wait_for(kernel.km.interrupt_kernel(), 5)
        except Exception:  # noqa: BLE001
            pass
        done, _ = await asyncio.wait({task}, timeout=grace)
        if task not in done:
            kernel.kill()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return "timeout_killed", budget.cpu
    used = kernel.cpu_seconds() - cpu0
    exc = task.exception()
    if isinstance(exc, DeadKernelError):
        return "died", used
    if exc is not None:
        raise exc
    if over:
        return over, used
    return ("error" if _error_of(cell) else "ok"), used


def _setup_cells(nb: Any, locked: set[int] | None) -> set[int]:
    """开头连续的锁定代码单元（第一个非锁定代码单元之前）：它们用 setup 时限。"""
    if not locked:
        return set()
    out: set[int] = set()
    for idx, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if idx not in locked:
            break
        out.add(idx)
    return out


def _prelaunched_provisioner(km: AsyncKernelManager, handle: Any) -> Any:
    """让 jupyter_client 用 fork 服务器预先分出的内核，而不是自己启动一个新进程（见 forkserver.py）。"""
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class Prelaunched(LocalProvisioner):
        async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
            env = kwargs.get("env") or dict(os.environ)
            cwd = str(kwargs.get("cwd") or os.getcwd())
            handle.start(list(cmd), {str(k): str(v) for k, v in env.items()}, cwd)
            self.process = handle
            self.pid = handle.pid
            self.pgid = handle.pid  # 内核一出生就 setsid，自成进程组
            self.cwd = cwd
            return self.connection_info

    return Prelaunched(kernel_id=km.kernel_id or "prelaunched", kernel_spec=km.kernel_spec, parent=km)


async def _run(
    nb: Any,
    tmp: Path,
    cwd: Path,
    limits: Limits,
    locked: set[int] | None,
    prelaunched: Any = None,
    after_cell: Callable[[int], None] | None = None,
) -> RunOutcome:
    outcome = RunOutcome(cells=[CellOutcome(i) for i in range(len(nb.cells))])
    ksm = KernelSpecManager(kernel_dirs=[str(_write_kernelspec(tmp, limits))], ensure_native_kernel=False)
    km = AsyncKernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=ksm)
    km.connection_file = str(tmp / "connection.json")
    if prelaunched is not None:
        km.provisioner = _prelaunched_provisioner(km, prelaunched)
    client = CappedClient(
        nb,
        km=km,
        timeout=None,
        allow_errors=True,
        interrupt_on_timeout=False,
        record_timing=False,
        startup_timeout=int(limits.startup_timeout),
        iopub_timeout=10,
        raise_on_iopub_timeout=False,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(cwd)}},
    )
    client.output_cap = int(limits.output_mb * 1024 * 1024)
    kernel = _Kernel(km, limits)
    start = time.monotonic()
    setup = _setup_cells(nb, locked)
    cpu_left = limits.notebook_timeout  # 设置单元之后的全部单元合计可用的 CPU 秒
    wall_deadline: float | None = None  # 墙钟兜底从第一个非设置单元开始计
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
            if idx in setup:
                budget = Budget(limits.setup_timeout, limits.setup_timeout * limits.wall_factor, "setup")
            else:
                if wall_deadline is None:
                    wall_deadline = time.monotonic() + limits.notebook_timeout * limits.wall_factor
                wall_left = wall_deadline - time.monotonic()
                if cpu_left <= 0 or wall_left <= 0:
                    outcome.stop = "notebook_timeout"
                    break
                cell_wall = limits.cell_timeout * limits.wall_factor
                binding = "cell" if limits.cell_timeout <= cpu_left and cell_wall <= wall_left else "notebook"
                budget = Budget(min(limits.cell_timeout, cpu_left), min(cell_wall, wall_left), binding)
            state, used = await _execute(client, kernel, cell, idx, budget, limits.interrupt_grace)
            if after_cell:
                after_cell(idx)
            if idx not in setup:
                cpu_left -= used
            err = _error_of(cell)
            if err:
                res.ename, res.evalue = err
            if state in ("timeout", "timeout_wall", "timeout_killed"):
                res.state, res.ename = "timeout", "CellTimeout"
                why = (
                    f"单元等待超过 {budget.wall:.0f} 秒（墙钟）仍未结束"
                    if state == "timeout_wall"
                    else f"单元用掉的 CPU 时间超过 {budget.cpu:.0f} 秒"
                )
                cell.outputs.append(nbformat.v4.new_output("error", ename="CellTimeout", evalue=why, traceback=[]))
                if state == "timeout_killed" or budget.binding != "cell":
                    outcome.stop = {"notebook": "notebook_timeout", "setup": "setup_timeout"}.get(
                        budget.binding, "cell_timeout"
                    )
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
    nb: Any,
    tmp: Path,
    cwd: Path,
    limits: Limits,
    locked: set[int] | None = None,
    prelaunched: Any = None,
    after_cell: Callable[[int], None] | None = None,
) -> RunOutcome:
    """执行 notebook（就地写入输出），返回每个单元的结果。调用方负责清理 ``tmp``。

    ``locked`` 是来自标准练习本的锁定单元下标：其中开头连续的代码单元按设置单元计时。
    ``prelaunched`` 是 fork 服务器预先分出的内核（``forkserver.PreforkedKernel``）；None 时照常启动新内核。
    ``after_cell(idx)`` 在每个代码单元结束（无论成败）后立即调用。
    """
    return asyncio.run(_run(nb, tmp, cwd, limits, locked, prelaunched, after_cell))
