# Both targets install what they need first, so they work on a fresh machine.
PYTHON ?= python3
BACKENDS ?= tensorflow jax torch

.PHONY: demo test install-dev

demo:
	$(PYTHON) -m pip install -q -e ".[tensorflow-cpu,profile]"
	TF_CPP_MIN_LOG_LEVEL=3 $(PYTHON) -m keras_timing demo

install-dev:
	$(PYTHON) -m pip install -q -e ".[dev]"

# One pytest run per Keras backend: a process holds one backend.
test: install-dev
	@set -e; for b in $(BACKENDS); do \
	  echo "== KERAS_BACKEND=$$b"; \
	  KERAS_BACKEND=$$b TF_CPP_MIN_LOG_LEVEL=3 $(PYTHON) -m pytest -q -p no:cacheprovider --doctest-modules tests keras_timing; \
	done
