"""练习与判分机制：学生端 ``check()``、练习本生成（solutions → exercises）和教师端判分器。

模块一览：
- ``cells``：识别题目/作答/检查单元（元数据 + 可见的首行标记）；
- ``plain``：把答案转成纯数据（JSON），在内核里导出、在判分进程里读回；
- ``rules``：带容差的比较规则，给出中文反馈（从不泄露正确答案）；
- ``registry`` 与 ``questions/chNN.py``：题库（参考代码从数据算出期望值）；
- ``check``：学生在 notebook 里调用的即时检查；
- ``build``：由 solutions/ 生成 exercises/；
- ``runner`` / ``assemble`` / ``worker`` / ``grade``：判分器；
- ``cli``：``python -m helpers exercises build|check`` 与 ``python -m helpers grade``。
"""
