"""判分器（教师用）：``python -m helpers grade CHAPTER SUBMISSION… --out grades.csv``。

- ``assemble``：按标准练习本重建待执行的 notebook（锁定单元还原、作答单元放回、检查单元换成导出）；
- ``runner``：在独立内核里执行，施加 CPU 时间、墙钟、内存与输出上限；
- ``sandbox``：内核的启动包装（设资源上限后 exec 成 ipykernel，不导入本包）；
- ``worker``：一个子进程判一份提交，在内核外判定；
- ``grade``：调度、防篡改指纹、成绩表与反馈；
- ``cli``：``grade`` 子命令。
"""

import sys as _sys

# nbformat → jsonschema 会尝试导入 rfc3987_syntax（只用于校验 "iri" 格式），它在导入时构建 Lark 语法分析器，
# 单这一项就要 2–3.5 秒，而 notebook 的 schema 根本不用 iri 格式。判分进程（主进程与每个 worker）先把它
# 标记为“不可导入”（sys.modules 里放 None 是 Python 规定的写法），jsonschema 就跳过这一个格式检查。
# 成绩逐字节相同（tests/test_grade_submissions.py 的全部状态与分数都不变）。
_sys.modules.setdefault("rfc3987_syntax", None)
