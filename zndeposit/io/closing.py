"""A mixin giving ``with`` support to any object that has ``close()``."""

from __future__ import annotations

from typing import Any, Self


class Closing:
    """``with obj: ...`` calls ``obj.close()`` on exit, also after an error or Ctrl-C."""

    def close(self) -> None:  # pragma: no cover - overridden
        """Release the resources."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
