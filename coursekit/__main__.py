"""``python -m coursekit <命令>``，与 ``python -m helpers <命令>`` 相同。"""

from __future__ import annotations

import sys

from coursekit.cli import main

if __name__ == "__main__":
    sys.exit(main())
