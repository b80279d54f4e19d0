# Both targets install what they need first, so they work on a fresh machine.
PYTHON ?= python3
BACKENDS ?= tensorflow jax torch

.PHONY: demo test install-dev mutation typecheck

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

# mypy on the public API's modules (setup.cfg [mypy]).
TYPECHECKED ?= keras_timing/__init__.py keras_timing/timer/callback.py \
  keras_timing/report keras_timing/cli.py keras_timing/explanation/api.py
typecheck: install-dev
	$(PYTHON) -m mypy $(TYPECHECKED)

# Mutation score of the analysis, clock and report modules against their pure
# tests (setup.cfg [mutmut]). mutmut writes mutants/ beside setup.cfg, so it
# runs in an export of the last commit under /tmp, never in the checkout; the
# numpy backend keeps JAX's threads out of mutmut's forked workers. One
# module: make mutation MUTANTS='keras_timing.analysis.stats.*'
MUTATION_DIR ?= /tmp/keras_timing_mutation
MUTANTS ?=
mutation:
	rm -rf $(MUTATION_DIR) && mkdir -p $(MUTATION_DIR)
	git archive HEAD keras_timing setup.cfg tests README.md | tar -x -C $(MUTATION_DIR)
	cd $(MUTATION_DIR) && KERAS_BACKEND=numpy nice -n 10 mutmut run \
	  --max-children 1 $(if $(MUTANTS),'$(MUTANTS)') && \
	  mutmut export-cicd-stats && cat mutants/mutmut-cicd-stats.json && \
	  mutmut results
