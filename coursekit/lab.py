"""``python -m helpers lab``：在仓库根目录启动 JupyterLab，并打开课程的起始页。

启动前做三件事，都不碰学生自己的 JupyterLab 设置（~/.jupyter）：

1. **界面里的中文**：很多实验室电脑和 Binder 没有中文系统字体，JupyterLab 的标题、正文、输出会变成方框。
   课程随环境装了 Noto Sans SC（pylopdf-fonts-zh-cn），这里让 JupyterLab 加载 ``coursekit/lab_static/custom.css``，
   在系统字体之后用它补中文字形；有“微软雅黑”“苹方”等系统字体时浏览器优先用系统的，不会下载 8 MB 的字体。
2. **课程默认设置**：写进本环境（``sys.prefix``）的 ``share/jupyter/lab/settings/overrides.json``——界面语言简体中文
   （装了语言包时；设置 → Language 里一键换回英文），不弹“Jupyter 新闻”提示、不联网检查更新。学生自己改过的设置优先。
3. **练习的工作副本**：把 ``exercises/`` 里还没有副本的练习复制到 ``work/``（不进 git）。学生在副本里作答，
   仓库里被跟踪的文件不会变，``git pull`` 不会冲突，``make test`` 也不受影响。
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_PAGE = "notebooks/ch00_start_here.ipynb"
LAB_STATIC = Path(__file__).resolve().parent / "lab_static"

# 课程对 JupyterLab 默认设置的改动：只改默认值，学生在“设置”里改过的仍以学生的为准
LAB_OVERRIDES: dict[str, dict] = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/translation-extension:plugin": {"locale": "zh_CN"},
}
LANGUAGE_PACK = "jupyterlab_language_pack_zh_CN"


def language_pack_installed() -> bool:
    """简体中文语言包（jupyterlab-language-pack-zh-CN）是否装在当前环境里。"""
    import importlib.util

    return importlib.util.find_spec(LANGUAGE_PACK) is not None


def overrides_path(prefix: str | Path = sys.prefix) -> Path:
    """本环境里 JupyterLab 读取“默认设置覆盖”的文件。"""
    return Path(prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"


def install_lab_settings(prefix: str | Path = sys.prefix) -> Path:
    """把 LAB_OVERRIDES 合并进 ``overrides.json``（已有的其他键原样保留），返回文件路径。

    没装语言包时不设界面语言（否则 JupyterLab 会提示找不到语言）。文件内容已经一样时不重写。
    """
    path = overrides_path(prefix)
    try:
        current = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, json.JSONDecodeError):
        current = {}  # 文件坏了就重写：它只存课程给的默认值
    if not isinstance(current, dict):
        current = {}
    wanted = {k: dict(v) for k, v in LAB_OVERRIDES.items()}
    if not language_pack_installed():
        wanted.pop("@jupyterlab/translation-extension:plugin")
    merged = {**current}
    for plugin, values in wanted.items():
        merged[plugin] = {**merged.get(plugin, {}), **values}
    if merged != current:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(merged, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def static_custom_paths() -> list[str]:
    """JupyterLab 的 ``/custom/`` 从这些目录取文件：课程的 custom.css，以及随环境安装的中文字体所在目录。"""
    from helpers.notebook import bundled_font

    return [str(LAB_STATIC), str(Path(bundled_font().path).parent)]


def _load_jupyter_server_extension(serverapp) -> None:  # noqa: ANN001 - jupyter_server 的扩展入口
    """作为 jupyter_server 扩展加载时，把 static_custom_paths() 放到 ``/custom/`` 的查找路径最前面。

    ``static_custom_path`` 不能用命令行配置，但 JupyterLab 的 ``/custom/`` 处理器和服务器共用同一个列表对象，
    原地插入即可生效；学生自己 ~/.jupyter/custom/ 里的文件排在后面，仍然可用。
    """
    paths = serverapp.web_app.settings["static_custom_path"]
    for extra in reversed(static_custom_paths()):
        if extra not in paths:
            paths.insert(0, extra)


def lab_command(extra: list[str]) -> list[str]:
    """拼出启动 JupyterLab 的命令行：根目录为仓库根，加载课程 CSS，默认打开起始页。

    ``default_url`` 也指向起始页，所以 ``--no-browser`` 时打印出的网址打开的就是起始页，而不是启动器。
    """
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={ROOT}",
        f"--LabApp.default_url=/lab/tree/{START_PAGE}",
        "--LabApp.custom_css=True",
        "--ServerApp.jpserver_extensions=coursekit.lab=True",
        *extra,
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        cmd.append("--allow-root")  # 容器和 CI 里常以 root 运行；JupyterLab 默认拒绝 root
    return cmd


def prepare() -> list[Path]:
    """启动前的准备：课程默认设置 + 练习的工作副本。返回新建的工作副本。"""
    from coursekit.exercises.work import start_all

    install_lab_settings()
    return start_all()


def install_user_config(config_dir: str | Path | None = None) -> Path:
    """给不经过 ``make lab`` 启动 JupyterLab 的环境（Binder 的 postBuild）用：把课程 CSS 和中文字体复制到
    Jupyter 配置目录的 custom/，并在 jupyter_lab_config.json 里打开 custom_css、默认打开起始页。返回配置目录。"""
    import shutil

    from jupyter_core.paths import jupyter_config_dir

    from helpers.notebook import bundled_font

    cfg = Path(config_dir or jupyter_config_dir())
    custom = cfg / "custom"
    custom.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(LAB_STATIC / "custom.css", custom / "custom.css")
    shutil.copyfile(bundled_font().path, custom / Path(bundled_font().path).name)
    conf_path = cfg / "jupyter_lab_config.json"
    conf = json.loads(conf_path.read_text(encoding="utf-8")) if conf_path.exists() else {}
    conf.setdefault("LabApp", {}).update({"custom_css": True, "default_url": f"/lab/tree/{START_PAGE}"})
    conf_path.write_text(json.dumps(conf, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    install_lab_settings()
    return cfg


def main(args: argparse.Namespace) -> int:
    created = prepare()
    if created:
        print(f"已在 work/ 里为 {len(created)} 章练习建好工作副本（作答请在 work/ 里进行）。", flush=True)
    cmd = lab_command(list(args.extra))
    os.chdir(ROOT)
    if os.name == "nt":  # Windows 没有 exec 语义，用子进程
        import subprocess

        return subprocess.call(cmd)
    os.execv(cmd[0], cmd)
    return 0  # pragma: no cover - execv 不返回


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "lab",
        help="启动 JupyterLab（其余参数原样传给 jupyter lab，如 --no-browser --port=8899）",
    )
    p.set_defaults(func=main, pass_through=True)


if __name__ == "__main__":  # Binder 的 postBuild：python -m coursekit.lab
    from coursekit.exercises.work import start_all

    print(f"已写入 JupyterLab 配置：{install_user_config()}；新建练习副本 {len(start_all())} 份（work/）")
