"""禾木优选的模拟器：由一个种子生成全部表、答案册 truth.json 和清单 manifest.json。

入口是 ``generate(scale, seed, out_dir)``（命令行：``python -m helpers data build``）。
读数据的一半在学生读的包里（``helpers.data``），这里写出的文件由它读入和校验。
"""

from __future__ import annotations

from coursekit.world.build import generate

__all__ = ["generate"]
