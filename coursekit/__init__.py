"""课程套件的工具包（维护者与教师用）：学生在 notebook 里不需要读它。

- ``world``：合成网店的模拟器（生成全部表与答案册 truth.json）；
- ``exercises``：练习本的编写与生成（solutions → exercises）、答案的纯数据化和比较规则；
- ``questions``：每章的题库（章节内容，和判分机制分开放）；
- ``grading``：判分器（独立内核、时限与内存上限、内核外判定、成绩表）；
- ``doctor`` · ``lab`` · ``site``：环境自检、启动 JupyterLab、离线 HTML 站点；
- ``cli``：命令行，``python -m coursekit …`` 或 ``python -m helpers …``。

依赖方向只有一个：coursekit 可以导入 helpers（读数据的路径、字体），helpers 从不在导入时加载 coursekit。
"""
