"""A pytest plugin that fits the newest published test harness to the newest release.

pytest-homeassistant-custom-component has no release for Home Assistant 2026.11 yet; its
newest (0.13.375) was made for 2026.10.4. This plugin, loaded with `-p` (pyproject's
addopts) before pytest loads the harness, bridges the two releases' differences that the
harness trips on. Each bridge applies only where the name is missing, so on the releases
the harness was made for it changes nothing:

- 2026.11 makes `httpx` an alias of `httpx2` when the `homeassistant` package is imported
  and refuses once `httpx` is loaded; the harness imports respx (and so httpx) first.
- 2026.11 moved the logger integration's `_clear_logger_overwrites` to its helpers module.
"""

import homeassistant  # noqa: F401  (first: see above)
from homeassistant.components import logger

if not hasattr(logger, "_clear_logger_overwrites"):
    from homeassistant.components.logger import helpers as logger_helpers

    logger._clear_logger_overwrites = logger_helpers._clear_logger_overwrites  # type: ignore[attr-defined]
