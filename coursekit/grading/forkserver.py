"""判分的 fork 服务器（仅 Linux）：一批只付一次启动成本。

过去每份提交都要：启动 worker 进程并导入 nbclient/nbformat（约 1–3.6 秒）→ 启动内核并导入
ipykernel（约 0.9 秒）→ 在内核里重新导入 pandas / matplotlib / helpers 并读数据（约 2–3 秒）。
这些和学生的代码无关，对每份提交都一样。现在：

- 判分主进程每批启动一个 **fork 服务器**：它导入这些库、执行一遍标准练习本开头的锁定设置代码
  （教师的代码，不是学生的），把缓存“焐热”，然后只做一件事：按请求 fork 出 worker。
- 每个 **worker** 是服务器的一个 fork：一出生先 fork 出自己的 **内核**（此时还没读任务，内核里
  没有任何期望值），再从自己的 socket 读任务、判分、写回结果，然后退出。
- 内核在子进程里设资源上限、换成判分环境变量、另起会话，然后启动 ipykernel。

安全约束（tests/test_grade_fork.py 逐条检验）：
- 服务器从不导入题库、从不读任务（任务经一对新建的 socket 直接交给 worker）；
- 每次 fork 前确认只有一个线程、没有 zmq 上下文，否则拒绝 fork，判分器退回旧的做法；
- 服务器设 ``PR_SET_DUMPABLE=0``：非 root 的同用户进程不能 ptrace 它；
- 内核和服务器不共享可写内存（fork 后写时复制）：一份提交在内核里改坏的东西，下一份看不到；
- 服务器是 child subreaper：worker 死后留下的孤儿进程由它结束；服务器死了，判分器重启它。

Windows 和 macOS 没有（安全的）fork：判分器照旧为每份提交启动新进程，成绩相同。
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys
from pathlib import Path
from typing import Any

FORK_OK = sys.platform.startswith("linux")


# ---------------------------------------------------------------- 服务器一侧


def _set_not_dumpable() -> int:
    """prctl(PR_SET_DUMPABLE, 0)：同用户的非 root 进程不能 ptrace 或读写本进程内存。返回设置后的值。"""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE
        return int(libc.prctl(3, 0, 0, 0, 0))  # PR_GET_DUMPABLE
    except (OSError, AttributeError):
        return -1


def thread_count() -> int:
    """本进程的线程数（Linux 读 /proc/self/task，连 C 库自己开的线程也算上）。"""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        import threading

        return threading.active_count()


def _zmq_context_exists() -> bool:
    zmq = sys.modules.get("zmq")
    return bool(zmq is not None and getattr(zmq.Context, "_instance", None) is not None)


def fork_safe() -> bool:
    """现在 fork 是否安全：单线程、没有 zmq 上下文。"""
    return thread_count() == 1 and not _zmq_context_exists()


def _warm(code: str) -> None:
    """导入判分与内核要用的库，并执行标准练习本开头的设置代码（失败只是少焐热一些，不报错）。"""
    import matplotlib

    matplotlib.use("Agg")
    import ipykernel.kernelapp  # noqa: F401 - 预先导入，内核启动时不再付这笔
    import jupyter_client  # noqa: F401
    import nbclient  # noqa: F401
    import nbformat  # noqa: F401

    import coursekit.grading.assemble  # noqa: F401
    import coursekit.grading.runner  # noqa: F401
    import coursekit.grading.worker  # noqa: F401

    if code:
        try:
            exec(compile(code, "<标准练习本的设置单元>", "exec"), {"__name__": "__warmup__"})
        except BaseException:  # noqa: BLE001 - 焐热失败不影响判分，内核会照常执行设置单元
            pass
        try:
            import matplotlib.pyplot as plt

            plt.close("all")
        except Exception:  # noqa: BLE001
            pass


def _reap(active: set[int]) -> None:
    """回收已结束的子进程；不是本服务器 fork 的 worker 的子进程（孤儿）一律结束。"""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
        active.discard(pid)
    try:
        import psutil

        for child in psutil.Process().children():
            if child.pid not in active:
                try:
                    child.kill()
                except psutil.Error:
                    pass
    except Exception:  # noqa: BLE001
        pass


def serve(ctrl: socket.socket, warm_code: str) -> int:
    """服务器主循环：焐热 → 报告状态 → 按请求 fork worker，直到判分主进程关闭控制 socket。"""
    import shutil
    import tempfile

    from coursekit.grading.runner import become_subreaper

    dumpable = _set_not_dumpable()
    become_subreaper()
    scratch = tempfile.mkdtemp(prefix="hemu-forkserver-")
    os.chdir(scratch)  # 设置代码若写文件，写进临时目录，而不是老师运行判分命令的文件夹
    _warm(warm_code)
    status = {
        "ok": fork_safe(),
        "pid": os.getpid(),
        "threads": thread_count(),
        "zmq_context": _zmq_context_exists(),
        "dumpable": dumpable,
        "question_bank_loaded": any(m.startswith("coursekit.questions") for m in sys.modules),
    }
    ctrl.sendall((json.dumps(status) + "\n").encode())
    if not status["ok"]:
        return 1
    active: set[int] = set()
    try:
        while True:
            ready, _, _ = select.select([ctrl], [], [], 0.5)
            _reap(active)
            if not ready:
                continue
            msg, fds, _, _ = socket.recv_fds(ctrl, 64, 1)
            if not msg or not fds:
                break
            if not fork_safe():  # 理论上不会发生：服务器自己从不开线程
                os.close(fds[0])
                ctrl.sendall(b'{"pid": 0}\n')
                continue
            pid = os.fork()
            if pid == 0:
                ctrl.close()
                _worker_child(fds[0])  # 永不返回
            os.close(fds[0])
            active.add(pid)
            ctrl.sendall((json.dumps({"pid": pid}) + "\n").encode())
    finally:
        import psutil

        for child in psutil.Process().children(recursive=True):
            try:
                child.kill()
            except psutil.Error:
                pass
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


def _worker_child(fd: int) -> None:
    """worker：先 fork 内核（此刻还没有任务），再读任务、判分、写回一行结果，然后退出。"""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        from coursekit.grading import worker
        from coursekit.grading.runner import become_subreaper, kill_descendants

        become_subreaper()
        kernel = PreforkedKernel()
        sock = socket.socket(fileno=fd)
        chunks = []
        while True:
            b = sock.recv(1 << 20)
            if not b:
                break
            chunks.append(b)
        import pickle

        job = pickle.loads(b"".join(chunks))
        try:
            result = worker.grade_submission(job, prelaunched=kernel)
        except BaseException as exc:  # noqa: BLE001 - worker 必须总能给出一行结果
            result = worker.Result("grader_error", notes=[f"判分器内部错误：{type(exc).__name__}: {exc}"[:300]])
        finally:
            kernel.discard()
            kill_descendants()
        sock.sendall(worker.result_line(job, result).encode("utf-8"))
        sock.close()
        code = 0
    finally:
        os._exit(code)


# ---------------------------------------------------------------- 内核一侧


class PreforkedKernel:
    """worker 在读任务之前 fork 出的内核进程：等一条启动消息后变成 ipykernel。

    对外像 ``subprocess.Popen``（pid、poll、wait、send_signal、kill、terminate），供 jupyter_client 使用。
    """

    stdin = stdout = stderr = None

    def __init__(self) -> None:
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(w)
            _kernel_child(r)  # 永不返回
        os.close(r)
        self.pid = pid
        self._pipe = w
        self.returncode: int | None = None

    def start(self, argv: list[str], env: dict[str, str], cwd: str) -> None:
        """把内核命令行、环境变量、工作目录交给等待中的子进程。"""
        data = json.dumps({"argv": argv, "env": env, "cwd": cwd}).encode("utf-8")
        with os.fdopen(self._pipe, "wb") as fh:
            fh.write(data)
        self._pipe = -1

    def discard(self) -> None:
        """没用上（或已用完）：关掉启动管道并结束子进程。"""
        if self._pipe >= 0:
            os.close(self._pipe)
            self._pipe = -1
        if self.poll() is None:
            self.kill()
            self.wait()

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            try:
                _, status = os.waitpid(self.pid, 0)
                self.returncode = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                self.returncode = -1
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _kernel_child(r: int) -> None:
    """内核子进程：另起会话、只留启动管道，读到启动消息后设上限、换环境、启动 ipykernel。"""
    code = 1
    try:
        os.setsid()
        os.closerange(3, r)
        os.closerange(r + 1, 1 << 16)
        chunks = []
        while True:
            b = os.read(r, 1 << 16)
            if not b:
                break
            chunks.append(b)
        os.close(r)
        if not chunks:  # worker 没用上这个内核
            return
        msg = json.loads(b"".join(chunks))
        _become_kernel(msg["argv"], msg["env"], msg["cwd"])
        code = 0
    except BaseException:  # noqa: BLE001
        code = 1
    finally:
        os._exit(code)


def _become_kernel(argv: list[str], env: dict[str, str], cwd: str) -> None:
    from coursekit.grading import sandbox

    sep = argv.index("--") if "--" in argv else len(argv)
    opts, tail = argv[:sep], argv[sep + 1 :]
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sandbox.apply_limits(opts, relative_to_current=True)
    if sys.path and sys.path[0] and Path(sys.path[0]).resolve() == Path.cwd().resolve():
        sys.path.pop(0)
    from ipykernel.kernelapp import IPKernelApp

    sys.argv = [sys.executable, "-m", "ipykernel_launcher", *tail]
    app = IPKernelApp.instance()
    app.initialize(tail)
    app.start()


# ---------------------------------------------------------------- 判分主进程一侧


class ForkServerError(RuntimeError):
    """fork 服务器起不来或不安全（调用方退回旧做法）。"""


class ForkServer:
    """判分主进程持有的 fork 服务器句柄（线程安全：每次 fork 请求加锁）。"""

    def __init__(self, warm_code: str, env: dict[str, str], timeout: float = 180.0) -> None:
        import subprocess
        import threading

        self._lock = threading.Lock()
        ours, theirs = socket.socketpair()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "coursekit.grading.forkserver", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        theirs.close()
        self.proc.stdin.write(warm_code.encode("utf-8"))
        self.proc.stdin.close()
        self._ctrl = ours
        self._reader = ours.makefile("rb")  # 与 socket 同生命周期，close() 里一并关闭
        ours.settimeout(timeout)
        try:
            line = self._reader.readline()
        except OSError as exc:
            self.close()
            raise ForkServerError(f"fork 服务器没有响应（{exc}）") from None
        if not line:
            self.close()
            raise ForkServerError("fork 服务器启动失败")
        self.status: dict[str, Any] = json.loads(line)
        if not self.status.get("ok"):
            self.close()
            raise ForkServerError(f"fork 不安全，退回旧做法：{self.status}")
        ours.settimeout(60)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def fork_worker(self) -> tuple[int, socket.socket]:
        """fork 一个 worker，返回 (worker 的 pid, 与它相连的 socket)。"""
        ours, theirs = socket.socketpair()
        try:
            with self._lock:
                socket.send_fds(self._ctrl, [b"fork"], [theirs.fileno()])
                line = self._reader.readline()
        except OSError as exc:
            ours.close()
            raise ForkServerError(f"fork 服务器不可用（{exc}）") from None
        finally:
            theirs.close()
        pid = int(json.loads(line or b'{"pid": 0}').get("pid") or 0)
        if pid <= 0:
            ours.close()
            raise ForkServerError("fork 服务器拒绝了请求")
        return pid, ours

    def close(self) -> None:
        """关闭控制 socket：服务器读到 EOF 就结束全部子进程并退出（makefile 的读端也要关，否则不算真关）。"""
        try:
            self._ctrl.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        for obj in (self._reader, self._ctrl):
            try:
                obj.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            self.proc.kill()
            self.proc.wait()


def main() -> int:
    ctrl = socket.socket(fileno=int(sys.argv[1]))
    warm_code = sys.stdin.read()
    return serve(ctrl, warm_code)


if __name__ == "__main__":
    os.environ.pop("HEMU_GRADING", None)
    sys.exit(main())
