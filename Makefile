# 课程套件的两个入口命令。Makefile 只是 bootstrap.py 的薄包装；
# 没有 make 的同学（如 Windows）直接用 `python bootstrap.py lab` / `python bootstrap.py test`。
PYTHON ?= python3
JOBS ?= 2

.PHONY: lab test test-browser setup data exercises doctor bench lint format test-under-load clean-venv

setup:            ## 只准备 .venv 和数据（幂等）
	$(PYTHON) bootstrap.py

lab:              ## 准备环境并启动 JupyterLab（打开 notebooks/ch00_start_here.ipynb）
	$(PYTHON) bootstrap.py lab $(LAB_ARGS)

test:             ## 准备环境并运行全部测试（单元测试 + nbval 严格比对 notebook 输出）
	$(PYTHON) bootstrap.py test -n $(JOBS)

test-browser: setup  ## 真浏览器测试：装 Chromium 与 Playwright，然后测 JupyterLab 与离线站点（截图在 build/browser/）
	.venv/bin/python tools/browser_setup.py
	.venv/bin/python -m pytest -o addopts="" -p no:cacheprovider tests_browser -v

lint: setup       ## ruff lint + 格式检查（make test 也会先做这一步）
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

format: setup     ## 自动修正 import 顺序等并统一格式（notebook 只 lint，不重排）
	.venv/bin/ruff check --fix . && .venv/bin/ruff format .

test-under-load: setup  ## 旁边开 2 个死循环抢 CPU，连跑 3 遍 make test（见 tools/test_under_load.py）
	$(PYTHON) tools/test_under_load.py

doctor: setup     ## 环境自检
	.venv/bin/python -m helpers doctor

bench: setup      ## 性能基准（打印数字，不是测试）
	for b in benchmarks/bench_*.py; do .venv/bin/python "$$b" || exit 1; done

clean-venv:
	rm -rf .venv
