"""判分器（教师用）：``python -m helpers grade CHAPTER SUBMISSION… --out grades.csv``。

- ``assemble``：按标准练习本重建待执行的 notebook（锁定单元还原、作答单元放回、检查单元换成导出）；
- ``runner``：在独立内核里执行，施加 CPU 时间、墙钟、内存与输出上限；
- ``sandbox``：内核的启动包装（设资源上限后 exec 成 ipykernel，不导入本包）；
- ``worker``：一个子进程判一份提交，在内核外判定；
- ``grade``：调度、防篡改指纹、成绩表与反馈；
- ``cli``：``grade`` 子命令。
"""
