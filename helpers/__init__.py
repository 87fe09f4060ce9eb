"""电商数据分析与挖掘课程的辅助包（学生读的那一半）。

notebook 里只需 ``import helpers``，然后 ``helpers.setup_notebook()``。

- ``helpers.data``：读表 ``load``、答案册 ``truth``、表名 ``list_tables``；
- ``helpers.check``：练习的即时反馈；
- 每章一个主题模块：``prep``（第2章）、``eda``（第3章）、``mining``（第4章）……

生成数据、出题、判分、自检等维护者与教师的工具在另一个包 ``coursekit`` 里，
``import helpers`` 不会加载它。
"""

from __future__ import annotations

from helpers.feedback import check
from helpers.notebook import SEED, cjk_font_path, find_cjk_font, setup_notebook

__all__ = ["SEED", "cjk_font_path", "find_cjk_font", "setup_notebook", "check"]
__version__ = "0.1.0"
