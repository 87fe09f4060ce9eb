"""练习本的编写与生成（出题人用）。

模块一览：
- ``cells``：识别题目/作答/检查单元（元数据 + 可见的首行标记）；
- ``authoring``：在 solutions/ 里写一道题的单元模板；
- ``build``：由 solutions/ 生成 exercises/（去掉解答、清空输出）；
- ``plain``：把答案转成纯数据（JSON），学生端 check() 与判分器走同一条路径；
- ``rules``：带容差的比较规则，给出中文反馈（从不泄露正确答案）；
- ``cli``：``python -m helpers exercises build|check``。

题库（每章的题目和参考代码）在 ``coursekit.questions``；判分器在 ``coursekit.grading``；
学生调用的 ``check()`` 在 ``helpers.feedback``。
"""
