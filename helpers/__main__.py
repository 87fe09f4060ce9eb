"""``python -m helpers <命令>``：转给工具包 coursekit 的命令行（doctor · lab · data · exercises · grade · site）。

这些命令是维护者和教师的工具，放在 ``coursekit`` 里；保留这个入口，是为了让 README 和文档里
写的命令照常可用（Windows 同学也不需要 make）。
"""

from __future__ import annotations

import sys

from coursekit.cli import main

if __name__ == "__main__":
    sys.exit(main())
