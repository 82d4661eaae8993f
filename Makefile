# Tòa soạn hội tụ — two commands for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DJANGO_SETTINGS_MODULE ?= newsroom.settings.dev

.PHONY: run test install migrate demo lint messages check-python clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null || { \
	  echo "Tòa soạn hội tụ needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1 || echo missing)."; \
	  echo "Install it (Debian 12 / Ubuntu 24.04: sudo apt install python3 python3-venv) or run: make PYTHON=python3.12 …"; \
	  exit 1; }

$(PY): | check-python
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create a virtual environment: on Debian/Ubuntu run 'sudo apt install python3-venv'."; exit 1; }

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_readership
	$(PY) manage.py seed_transformation

run: demo
	$(PY) manage.py serve

# Files stay in pytest-django's order (database tests, then transactional ones, whose flush empties the
# database): xdist's default reorders files by size and could run a database test after a flush.
test: install
	DJANGO_SETTINGS_MODULE=newsroom.settings.test $(PY) -m pytest -n 2 --dist loadfile --no-loadscope-reorder $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check newsroom archive distribution analytics tests bench

# makemessages marks the Wagtail supplements in locale/vi (see locale/README.md) obsolete; bring them back.
messages: install
	$(PY) manage.py makemessages -l vi -l en --ignore '.venv/*' --ignore 'media/*' --ignore 'static/*'
	cd locale/vi/LC_MESSAGES && \
	  msgattrib --only-obsolete --clear-obsolete django.po | msggrep -C -e 'wagtail-supplement' -o .supplement.po && \
	  msgattrib --no-obsolete django.po -o .current.po && \
	  msgcat --use-first .current.po .supplement.po -o django.po && \
	  rm -f .current.po .supplement.po && msgfmt --check --statistics -o /dev/null django.po
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) db.sqlite3* static .pytest_cache
